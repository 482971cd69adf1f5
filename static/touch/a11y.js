// Citizen aids on the touchscreen: elderly mode (适老化) and the "more time?" prompt.
// touch.js announces each screen with a "touch:screen" event and multiplies its idle
// timeout by #app's data-idle-factor; this file keeps its prompt timer in step with it.
(function () {
  "use strict";
  const app = document.getElementById("app");
  const aids = document.getElementById("citizen-aids");
  const toggle = document.getElementById("btn-elderly");
  const prompt = document.getElementById("more-time");
  const countdown = document.getElementById("more-time-count");
  const continueBtn = document.getElementById("btn-more-time");
  if (!app || !aids || !toggle || !prompt) return;

  const ELDERLY_FACTOR = 2;      // slower timeouts in elderly mode
  const WARN_LEAD_MS = 10000;    // the prompt shows this long before the screen gives up
  const TIMED_SCREENS = ["rate", "reasons", "phone"];
  let screen = "idle";
  let warnTimer = null;
  let tickTimer = null;
  let deadline = 0;
  let focusBefore = null;

  // --- elderly mode -------------------------------------------------------------------
  // Simpler wording where it matters; the original text comes back when the mode is off.
  const SIMPLE = [
    ["#screen-idle .sub", aids.dataset.simpleIdle],
    ["#rate-title", aids.dataset.simpleRate],
    ["#reasons-title", aids.dataset.simpleReasons],
    ["#btn-submit", aids.dataset.simpleSubmit],
  ];
  const original = new Map();

  function setElderly(on) {
    document.documentElement.classList.toggle("elderly", on);
    toggle.setAttribute("aria-pressed", on ? "true" : "false");
    app.dataset.idleFactor = on ? String(ELDERLY_FACTOR) : "1";
    for (const [selector, simple] of SIMPLE) {
      const node = document.querySelector(selector);
      if (!node || !simple) continue;
      if (!original.has(selector)) original.set(selector, node.textContent);
      node.textContent = on ? simple : original.get(selector);
    }
    // touch.js re-arms its idle timer on "input": let it pick up the new factor now.
    document.dispatchEvent(new Event("input"));
  }

  toggle.addEventListener("click", () => setElderly(toggle.getAttribute("aria-pressed") !== "true"));

  // --- "more time?" prompt -------------------------------------------------------------
  function idleMs() {
    return Number(app.dataset.idleTimeout) * 1000 * Number(app.dataset.idleFactor || 1);
  }

  function armWarning() {
    clearTimeout(warnTimer);
    if (!TIMED_SCREENS.includes(screen)) return;
    const total = idleMs();
    const lead = Math.min(WARN_LEAD_MS, total / 2);  // short test timeouts still warn
    deadline = Date.now() + total;
    warnTimer = setTimeout(showPrompt, total - lead);
  }

  function showPrompt() {
    focusBefore = document.activeElement;
    prompt.hidden = false;
    tick();
    continueBtn.focus();
    document.dispatchEvent(new CustomEvent("touch:more-time"));
  }

  function tick() {
    const left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
    countdown.textContent = aids.dataset.countdown.replace("{n}", String(left));
    clearTimeout(tickTimer);
    if (!prompt.hidden) tickTimer = setTimeout(tick, 1000);
  }

  function hidePrompt() {
    clearTimeout(tickTimer);
    if (prompt.hidden) return;
    prompt.hidden = true;
    if (focusBefore && document.contains(focusBefore) && focusBefore !== document.body) focusBefore.focus();
    focusBefore = null;
  }

  // Any touch or key re-arms touch.js's timer; the same events re-arm ours. The prompt
  // closes on the click, not on pointerdown: closing earlier would let the touch fall
  // through to the button underneath it.
  for (const type of ["pointerdown", "keydown", "input"]) document.addEventListener(type, armWarning);
  prompt.addEventListener("click", hidePrompt);  // 继续, or anywhere on the dimmed backdrop
  document.addEventListener("keydown", (event) => { if (event.key === "Escape") hidePrompt(); });

  // --- screen changes ------------------------------------------------------------------
  document.addEventListener("touch:screen", (event) => {
    const next = event.detail.screen;
    const previous = screen;
    screen = next;
    hidePrompt();
    // One citizen, one session: the mode ends when the screen goes back to idle.
    if (next === "idle" && previous !== "idle" && previous !== "paused") setElderly(false);
    armWarning();
    // Move focus to the new screen's heading so keyboard and screen-reader users follow.
    if (previous !== next && next !== "idle") {
      const heading = document.querySelector("#screen-" + next + " h1");
      if (heading) {
        heading.tabIndex = -1;
        heading.focus({ preventScroll: true });
      }
    }
  });
})();
