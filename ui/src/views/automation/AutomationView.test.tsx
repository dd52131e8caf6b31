import { describe, expect, it } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { App } from "../../App";
import { createQueryClient } from "../../queries";
import { emitAutomationChanged, mockBackend, type CommandName, type Handler } from "../../ipc/testing";
import type { AppInfo, RuleChange, RuleDecision, TeamStatus } from "../../ipc";
import { makeDetail, makeRow } from "../../test/fixtures";
import { fakeGrid } from "../../test/gridFake";
import { makeAlert, makeProposal, makeRuleStatus } from "../../test/automationFixtures";

const INFO: AppInfo = { version: "0.1.0", demo: true, tenantLabel: "Demo", apiBase: "http://127.0.0.1:1", permissions: ["Machine.Isolate"], mayIsolate: true };

const TEAM: TeamStatus = {
  shared: false,
  store: "this computer",
  processes: [],
  automationLeader: "desktop on vm",
  syncLeader: "desktop on vm",
  summary: "Automation runs here (desktop on vm), last round 2 min ago.",
  warning: null,
  silentAgents: [],
};

function start(handlers: Partial<Record<CommandName, Handler>>) {
  const backend = mockBackend({
    app_info: () => INFO,
    ...fakeGrid([]).handlers,
    rule: () => makeRuleStatus(),
    alerts: () => [],
    proposals: () => [],
    team_status: () => TEAM,
    ...handlers,
  });
  const user = userEvent.setup();
  render(<App queryClient={createQueryClient()} />);
  return { backend, user };
}

const decision = (n: number, d: RuleDecision["decision"]): RuleDecision => ({
  alertId: `da${n}`,
  machineId: `m${n}`,
  machineName: `ws-${n}`,
  decision: d,
  reason: d === "queued" ? "the breaker is open: a person decides" : "matched",
  at: "2026-11-28T10:00:00Z",
  jobId: null,
  proposalId: null,
  alertTitle: null,
});

describe("Alerts & rules view", () => {
  it("counts waiting proposals on the nav and follows automation-changed", async () => {
    let queue = [makeProposal(1)];
    start({ proposals: () => queue });
    await waitFor(() => expect(screen.getAllByTestId("nav-automation-badge")[0]!.textContent).toBe("1"));
    queue = [makeProposal(1), makeProposal(2), makeProposal(3)];
    await emitAutomationChanged({ kind: "approvalsWaiting", waiting: 3 });
    await waitFor(() => expect(screen.getAllByTestId("nav-automation-badge")[0]!.textContent).toBe("3"));
  });

  it("switching to automatic shows the dry-run record, then sends the change confirmed", async () => {
    let status = makeRuleStatus();
    const { user, backend } = start({
      rule: () => status,
      set_rule: ({ change }: { change: RuleChange }) => {
        status = makeRuleStatus({}, { mode: change.mode ?? "dry-run", maxPerWindow: change.maxPerWindow ?? 5 });
        return status;
      },
    });
    await user.click(await screen.findByTestId("nav-automation"));
    expect((await screen.findByTestId("rule-mode")).textContent).toBe("Dry run");
    await user.click(screen.getByTestId("rule-mode-automatic"));
    const k = screen.getByTestId("rail-maxPerWindow");
    await user.clear(k);
    await user.type(k, "3");
    await user.click(screen.getByTestId("rule-save"));
    const dialog = await screen.findByTestId("promotion-dialog");
    expect(within(dialog).getByTestId("promotion-record").textContent).toBe(
      "In dry run the rule would have isolated 12, queued 3, skipped 40 in the last 7 days (168 evaluations).",
    );
    expect(backend.callsTo("set_rule")).toHaveLength(0);
    await user.click(within(dialog).getByTestId("promotion-confirm"));
    await waitFor(() => expect(backend.callsTo("set_rule")).toHaveLength(1));
    const { change } = backend.callsTo("set_rule")[0]!.args as { change: RuleChange };
    expect(change.mode).toBe("automatic");
    expect(change.maxPerWindow).toBe(3);
    expect(change.confirmed).toBe(true);
    await waitFor(() => expect(screen.getByTestId("rule-mode").textContent).toBe("Automatic"));
  });

  it("a refusal for want of confirmation opens the dialog with the core's sentence", async () => {
    let calls = 0;
    const { user, backend } = start({
      rule: () => makeRuleStatus({}, { mode: "approval" }),
      set_rule: () => {
        calls += 1;
        if (calls === 1) throw { kind: "validation", field: "confirmed", message: "Switching the rule to approval acts on machines." };
        return makeRuleStatus({}, { mode: "approval", minSeverity: "Medium" });
      },
    });
    await user.click(await screen.findByTestId("nav-automation"));
    await screen.findByTestId("rule-editor");
    await user.click(screen.getByTestId("rule-severity"));
    await user.click(await screen.findByRole("option", { name: "Medium" }));
    await user.click(screen.getByTestId("rule-save"));
    const dialog = await screen.findByTestId("promotion-dialog");
    expect(dialog.textContent).toContain("Switching the rule to approval acts on machines.");
    await user.click(within(dialog).getByTestId("promotion-confirm"));
    await waitFor(() => expect(backend.callsTo("set_rule")).toHaveLength(2));
    expect((backend.callsTo("set_rule")[1]!.args as { change: RuleChange }).change.confirmed).toBe(true);
  });

  it("Run now shows the counts and each decision; the breaker closes only with a comment", async () => {
    let status = makeRuleStatus(
      { breaker: { open: true, openedAt: "2026-11-28T10:00:00Z", reason: "5 isolations in 60 min reached the limit of 5" } },
      { mode: "automatic" },
    );
    const { user, backend } = start({
      rule: () => status,
      run_rule: () => [decision(1, "isolated"), decision(2, "queued"), decision(3, "queued")],
      close_breaker: () => {
        status = makeRuleStatus({}, { mode: "automatic" });
        return status;
      },
    });
    await user.click(await screen.findByTestId("nav-automation"));
    expect((await screen.findByTestId("breaker")).getAttribute("data-open")).toBe("true");
    await user.click(screen.getByTestId("run-now"));
    const result = await screen.findByTestId("run-result");
    expect(result.textContent).toBe("Run now: 1 isolated, 2 queued, 0 skipped");
    expect(screen.getAllByTestId("run-decision").map((d) => d.getAttribute("data-decision"))).toEqual(["isolated", "queued", "queued"]);
    const close = screen.getByTestId("close-breaker") as HTMLButtonElement;
    expect(close.disabled).toBe(true);
    await user.type(screen.getByTestId("breaker-comment"), "False positive storm checked");
    await user.click(close);
    await waitFor(() => expect(backend.callsTo("close_breaker")).toHaveLength(1));
    expect(backend.callsTo("close_breaker")[0]!.args).toEqual({ comment: "False positive storm checked" });
    await waitFor(() => expect(screen.getByTestId("breaker").getAttribute("data-open")).toBe("false"));
  });

  it("approves the selected proposals with the required comment and shows a refusal on its row", async () => {
    const a = makeProposal(1);
    const b = makeProposal(2, { proposedBy: "isolation rule (analyst@contoso.example)" });
    const { user, backend } = start({
      proposals: () => [a, b],
      decide_proposals: () => [
        { id: a.id, state: "approved", jobId: "job-1", refused: null },
        { id: b.id, state: "waiting", jobId: null, refused: "four eyes: the person who proposed it cannot approve or reject it; a second person decides" },
      ],
    });
    await user.click(await screen.findByTestId("nav-automation"));
    const rows = await screen.findAllByTestId("proposal-row");
    expect(rows.map((r) => r.getAttribute("data-proposed-by"))).toEqual(["lead@contoso.example", b.proposedBy]);
    for (const r of rows) await user.click(within(r).getByRole("checkbox"));
    const approve = screen.getByTestId("approve-selected") as HTMLButtonElement;
    expect(approve.textContent).toBe("Approve (2)");
    expect(approve.disabled).toBe(true);
    await user.type(screen.getByTestId("verdict-comment"), "confirmed with the lead");
    await user.click(approve);
    await waitFor(() => expect(backend.callsTo("decide_proposals")).toHaveLength(1));
    expect(backend.callsTo("decide_proposals")[0]!.args).toEqual({ verdict: { ids: [a.id, b.id], approve: true, comment: "confirmed with the lead" } });
    expect((await screen.findByTestId("verdict-summary")).textContent).toBe("1 approved (the job started), 1 refused (see the row)");
    const refusedRow = screen.getAllByTestId("proposal-row").find((r) => r.getAttribute("data-proposal-id") === b.id)!;
    expect(within(refusedRow).getByTestId("proposal-refused").textContent).toMatch(/^Refused: four eyes/);
  });

  it("lists alerts with the rule's decision, filters by severity, and isolates from an alert with the comment filled in", async () => {
    const machine = makeRow({ name: "ws-7.contoso.local" });
    const alert = makeAlert(7, { machineId: machine.id, machineName: machine.name, decision: "queued", decisionReason: "the breaker is open: a person decides" });
    const { user, backend } = start({
      ...fakeGrid([machine]).handlers,
      alerts: ({ filter }: { filter: { machineId: string | null } }) =>
        filter.machineId === machine.id ? [alert] : [alert, makeAlert(8, { severity: "Low", title: "Unwanted software was detected" })],
      machine_detail: () => makeDetail(machine),
    });
    await user.click(await screen.findByTestId("nav-automation"));
    const rows = await screen.findAllByTestId("alert-row");
    expect(rows).toHaveLength(2);
    expect(rows[0]!.getAttribute("data-decision")).toBe("queued");
    expect(within(rows[0]!).getByTestId("alert-decision").textContent).toBe("Queued for approval");
    expect(screen.getByTestId("alerts-count").textContent).toBe("2 alerts");
    const first = backend.callsTo("alerts")[0]!.args as { filter: { minSeverity: string } };
    expect(first.filter.minSeverity).toBe("Low");
    await user.click(screen.getByTestId("alerts-severity"));
    await user.click(await screen.findByRole("option", { name: "High" }));
    await waitFor(() =>
      expect(backend.callsTo("alerts").some((c) => (c.args as { filter: { minSeverity: string } }).filter.minSeverity === "High")).toBe(true),
    );
    await user.click(within(screen.getAllByTestId("alert-row")[0]!).getByTestId("alert-isolate"));
    const form = await screen.findByTestId("action-form");
    expect(form.getAttribute("data-action")).toBe("isolate");
    expect((within(form).getByTestId("comment") as HTMLTextAreaElement).value).toBe(`Isolate machine because alert - ${alert.id}`);
    // The drawer's Alerts section: this machine's alerts only.
    const own = await screen.findAllByTestId("machine-alert");
    expect(own.map((a) => a.getAttribute("data-alert-id"))).toEqual([alert.id]);
    expect(own[0]!.textContent).toContain("rule: Queued for approval");
  });

  it("says where the automation runs and warns when a team store has no agent", async () => {
    start({
      team_status: () => ({
        ...TEAM,
        shared: true,
        store: "db.example:5432/cordon",
        automationLeader: null,
        summary: "No process runs the automation now (last round 3 h ago).",
        warning: "No agent is running (the last one was seen 3 h ago): the rule and auto-reconcile run only while a desktop leads them.",
      }),
    });
    await userEvent.setup().click(await screen.findByTestId("nav-automation"));
    expect((await screen.findByTestId("team-summary")).textContent).toBe(
      "No process runs the automation now (last round 3 h ago). Team store: db.example:5432/cordon.",
    );
    expect(screen.getByTestId("team-warning").textContent).toContain("No agent is running (the last one was seen 3 h ago)");
  });

  it("shows no warning when the automation runs here", async () => {
    start({});
    await userEvent.setup().click(await screen.findByTestId("nav-automation"));
    expect((await screen.findByTestId("team-summary")).textContent).toBe(TEAM.summary);
    expect(screen.queryByTestId("team-warning")).toBeNull();
  });
});
