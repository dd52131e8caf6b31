import { describe, expect, it } from "vitest";
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { App } from "../../App";
import { createQueryClient } from "../../queries";
import { mockBackend } from "../../ipc/testing";
import type { AppInfo } from "../../ipc";
import { makeDetail, makeSnapshot, tenant } from "../../test/fixtures";
import { fakeGrid } from "../../test/gridFake";

const INFO: AppInfo = {
  version: "0.1.0",
  demo: false,
  tenantLabel: "Contoso SOC",
  apiBase: "https://api.securitycenter.microsoft.com",
  permissions: [],
  mayIsolate: true,
};

function start() {
  const { list } = tenant();
  const snap = makeSnapshot(list);
  const backend = mockBackend({
    app_info: () => INFO,
    ...fakeGrid(list).handlers,
    refresh: () => snap,
    machine_detail: ({ machineId }: { machineId: string }) => makeDetail(snap.machines.find((m) => m.id === machineId)!),
  });
  const user = userEvent.setup();
  render(<App queryClient={createQueryClient()} />);
  return { backend, user, snap };
}

const rows = () => screen.queryAllByTestId("machine-row");

describe("Machines view shortcuts", () => {
  it("Ctrl+F focuses the search", async () => {
    const { user } = start();
    await waitFor(() => expect(rows().length).toBeGreaterThan(0));
    await user.keyboard("{Control>}f{/Control}");
    expect(document.activeElement).toBe(screen.getByTestId("search"));
  });

  it("Ctrl+K focuses go to machine", async () => {
    const { user } = start();
    await waitFor(() => expect(rows().length).toBeGreaterThan(0));
    await user.keyboard("{Control>}k{/Control}");
    expect(document.activeElement).toBe(screen.getByTestId("goto-machine"));
  });

  it("F5 syncs with Defender once", async () => {
    const { user, backend } = start();
    await waitFor(() => expect(rows().length).toBeGreaterThan(0));
    expect(backend.callsTo("refresh")).toHaveLength(0);
    await user.keyboard("{F5}");
    await waitFor(() => expect(backend.callsTo("refresh")).toHaveLength(1));
  });

  it("Esc closes the machine drawer", async () => {
    const { user, snap } = start();
    const first = snap.machines[0]!;
    await waitFor(() => expect(rows().length).toBeGreaterThan(0));
    await user.click(rows().find((r) => r.getAttribute("data-machine-id") === first.id)!);
    await screen.findByTestId("machine-detail");
    await user.keyboard("{Escape}");
    await waitFor(() => expect(screen.queryByTestId("machine-detail")).toBeNull());
  });
});
