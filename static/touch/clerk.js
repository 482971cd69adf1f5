// Clerk panel on the window touchscreen: sign in / pause / resume / sign out with 工号 + PIN.
// Kept apart from touch.js: it only talks to /touch/<code>/clerk and never touches the rating screens.
(function () {
  "use strict";
  const panel = document.getElementById("clerk-panel");
  if (!panel) return;
  const $ = (id) => document.getElementById(id);
  const REFRESH_MS = 5000;
  const AUTO_CLOSE_MS = 60000;
  let csrfToken = null;
  let closeTimer = null;

  function render(state) {
    csrfToken = state.csrf_token;
    const staff = state.staff;
    let text = staff ? panel.dataset.signedIn + staff.name + " (" + staff.staff_no + ")" : panel.dataset.nobody;
    if (state.paused) text += " · " + panel.dataset.paused + (state.pause_reason ? "：" + state.pause_reason : "");
    $("clerk-status").textContent = text;  // the photo is on the idle screen (touch.js)
  }

  async function refresh() {
    try {
      const r = await fetch(panel.dataset.url, { cache: "no-store" });
      if (r.ok) render(await r.json());
    } catch (e) { /* keep what we show */ }
  }

  function setOpen(open) {
    panel.hidden = !open;
    $("clerk-open").setAttribute("aria-expanded", String(open));
    clearTimeout(closeTimer);
    if (open) {
      $("clerk-error").textContent = "";
      $("clerk-staff-no").focus();
      closeTimer = setTimeout(() => setOpen(false), AUTO_CLOSE_MS);
    } else {
      $("clerk-pin").value = "";  // a PIN never stays on a public screen
    }
  }

  async function act(action) {
    $("clerk-error").textContent = "";
    const body = { staff_no: $("clerk-staff-no").value.trim(), pin: $("clerk-pin").value,
                   reason: action === "pause" ? $("clerk-reason").value : null };
    let r;
    try {
      r = await fetch(panel.dataset.actionUrl + action, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken },
        body: JSON.stringify(body),
      });
    } catch (e) {
      $("clerk-error").textContent = panel.dataset.networkError;
      return;
    }
    const data = await r.json().catch(() => ({}));
    if (!r.ok) {
      $("clerk-error").textContent = data.message || panel.dataset.networkError;
      $("clerk-pin").value = "";
      return;
    }
    render(data);
    $("clerk-status").textContent = panel.dataset.done + " · " + $("clerk-status").textContent;
    setTimeout(() => setOpen(false), 1500);
  }

  $("clerk-open").addEventListener("click", () => setOpen(panel.hidden));
  $("clerk-close").addEventListener("click", () => setOpen(false));
  panel.querySelectorAll("[data-clerk-action]").forEach((btn) =>
    btn.addEventListener("click", () => act(btn.dataset.clerkAction)));

  refresh();
  setInterval(refresh, REFRESH_MS);
})();
