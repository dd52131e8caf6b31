import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { preloadPrefs } from "./lib/prefs";
import { createQueryClient } from "./queries";
import "./styles.css";

const root = document.getElementById("root");
if (!root) throw new Error("index.html has no #root element");
const client = createQueryClient();
// The preferences first (a local file, read by Rust): the window opens on the last view
// in the chosen theme. `preloadPrefs` never fails (unreadable preferences are defaults).
void preloadPrefs(client).then(() =>
  createRoot(root).render(
    <StrictMode>
      <App queryClient={client} />
    </StrictMode>,
  ),
);
