// Which actions the signed-in token allows. An empty list means "not known yet": the
// actions are offered and the back end answers a 403 with the missing permission.

export const ISOLATE_PERMISSION = "Machine.Isolate";

export function mayIsolate(permissions: readonly string[] | undefined): boolean {
  if (!permissions || permissions.length === 0) return true;
  return permissions.some((p) => p.toLowerCase() === ISOLATE_PERMISSION.toLowerCase());
}
