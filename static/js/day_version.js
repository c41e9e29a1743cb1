// Two tabs on one day: every htmx request sends the day version this page last saw
// (X-Day-Version, "<day pk>:<version>"), and every response that wrote the day hands back
// the version it left, so this tab's own next write is not mistaken for a stale one.
// A write the server refuses (409) shows its reload prompt in #day-conflict, and so does
// an Edit whose row is gone from a day that changed since (a read only uses it then).
// Without JavaScript, each form's hidden day_version input does the same job.
(() => {
  const holder = () => document.querySelector("[data-day-version]");
  document.addEventListener("htmx:configRequest", (event) => {
    const element = holder();
    if (element) event.detail.headers["X-Day-Version"] = element.dataset.dayVersion;
  });
  document.addEventListener("htmx:afterRequest", (event) => {
    const element = holder();
    const xhr = event.detail.xhr;
    const sent = xhr ? xhr.getResponseHeader("X-Day-Version") : null;
    if (!element || !sent) return;
    const [pk] = element.dataset.dayVersion.split(":");
    if (sent.split(":")[0] === pk) element.dataset.dayVersion = sent;
  });
  // The reload prompt (409), or why the day cannot be planned (422), takes focus.
  document.addEventListener("htmx:afterSwap", (event) => {
    if (!event.detail.target || event.detail.target.id !== "day-conflict") return;
    const box = document.getElementById("conflict-prompt") || document.getElementById("date-problem");
    if (box) box.focus();
  });
})();
