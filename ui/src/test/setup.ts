// jsdom lacks layout: give elements a size so the virtualised grid renders rows, and
// stub the few browser APIs Fluent UI and TanStack Virtual call.
import { afterEach } from "vitest";
import { cleanup, configure } from "@testing-library/react";
import { clearMocks } from "../ipc/testing";
import { clearStorageError } from "../lib/storageError";

class NoopResizeObserver {
  observe(): void {}
  unobserve(): void {}
  disconnect(): void {}
}

const w = window as unknown as Record<string, unknown>;
if (!("ResizeObserver" in window)) w.ResizeObserver = NoopResizeObserver;
if (typeof window.matchMedia !== "function") {
  w.matchMedia = (query: string) => ({
    matches: false,
    media: query,
    onchange: null,
    addEventListener: () => {},
    removeEventListener: () => {},
    addListener: () => {},
    removeListener: () => {},
    dispatchEvent: () => false,
  });
}
Object.defineProperty(HTMLElement.prototype, "offsetHeight", { configurable: true, get: () => 720 });
Object.defineProperty(HTMLElement.prototype, "offsetWidth", { configurable: true, get: () => 1200 });
Object.defineProperty(HTMLElement.prototype, "clientHeight", { configurable: true, get: () => 720 });
if (!Element.prototype.scrollTo) Element.prototype.scrollTo = function scrollTo() {};
if (!Element.prototype.scrollIntoView) Element.prototype.scrollIntoView = function scrollIntoView() {};

// A loaded 2-core CI machine can take more than the default second to settle a render
// chain (query → IPC mock → render); waiting longer only costs time when a test fails.
configure({ asyncUtilTimeout: 5000 });

afterEach(() => {
  cleanup();
  clearMocks();
  clearStorageError();
  // The grid's column preferences live in localStorage: each test starts without them.
  localStorage.clear();
});
