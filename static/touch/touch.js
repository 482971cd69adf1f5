// Window touchscreen: polls the window's state, shows the rating screen when invited.
(function () {
  "use strict";
  const app = document.getElementById("app");
  const POLL_MS = 500;
  const IDLE_MS = Number(app.dataset.idleTimeout) * 1000;
  const THANKS_MS = 8000;
  const THANKS_WITH_CODE_MS = 20000;
  const screens = ["idle", "paused", "rate", "reasons", "thanks"];
  const $ = (id) => document.getElementById(id);

  let current = "idle";
  let csrfToken = null;
  let invitation = null;       // the invitation on screen, or null for an uninvited rating
  let dismissed = new Set();   // invitations timed out or answered on this screen
  let chosenLevel = null;
  let idleTimer = null;
  let lastState = null;

  function show(name) {
    current = name;
    for (const s of screens) $("screen-" + s).hidden = s !== name;
    $("global-error").textContent = "";
    armIdleTimer();
    document.dispatchEvent(new CustomEvent("touch:screen", { detail: { screen: name } }));  // a11y.js, voice.js
  }

  function armIdleTimer() {
    clearTimeout(idleTimer);
    if (current === "rate" || current === "reasons") idleTimer = setTimeout(backToIdle, IDLE_MS * Number(app.dataset.idleFactor || 1));  // x2 in elderly mode
  }

  function backToIdle() {
    if (invitation) dismissed.add(invitation.id);
    invitation = null;
    chosenLevel = null;
    resetReasons();
    show(lastState && lastState.paused ? "paused" : "idle");
  }

  function resetReasons() {
    document.querySelectorAll(".reason").forEach((b) => b.setAttribute("aria-pressed", "false"));
    $("comment").value = "";
    $("phone").value = "";
    $("reasons-error").textContent = "";
  }

  function applyState(state) {
    lastState = state;
    csrfToken = state.csrf_token;
    $("btn-uninvited").hidden = !state.allow_uninvited;
    $("staff-name").textContent = state.staff ? state.staff.name : "";
    $("staff-no").textContent = state.staff ? app.dataset.staffLabel + " " + state.staff.staff_no : "";
    if (state.paused) {
      $("pause-reason").textContent = state.pause_reason || "";
      if (current !== "thanks") show("paused");
      return;
    }
    if (current === "paused") show("idle");
    const inv = state.invitation;
    if (current === "idle" && inv && !dismissed.has(inv.id)) {
      invitation = inv;
      $("rate-case").textContent = app.dataset.caseLabel + " " + inv.case_no;
      show("rate");
    } else if ((current === "rate" || current === "reasons") && invitation &&
               (!inv || inv.id !== invitation.id)) {
      // Rated on the evaluator or the phone, or withdrawn: this screen returns to idle.
      backToIdle();
    }
    showMobileQr(state);
  }

  // The one-time QR of the invitation on screen (rated on the phone → the poll returns to idle).
  function showMobileQr(state) {
    const box = $("mobile-qr");
    const qr = state.mobile_qr;
    const onScreen = current === "rate" && invitation && state.invitation &&
                     state.invitation.id === invitation.id;
    if (!onScreen || !qr) { box.hidden = true; return; }
    const img = $("mobile-qr-img");
    if (img.getAttribute("src") !== qr.image_url) img.setAttribute("src", qr.image_url);
    img.dataset.url = qr.url;
    box.hidden = false;
  }

  async function poll() {
    try {
      const r = await fetch(app.dataset.stateUrl, { cache: "no-store" });
      if (r.ok) applyState(await r.json());
    } catch (e) { /* network hiccup: keep showing what we have */ }
    setTimeout(poll, POLL_MS);
  }

  async function submit(level, reasons, comment, phone) {
    const body = { level: level, reasons: reasons, comment: comment, phone: phone || null,
                   invitation_id: invitation ? invitation.id : null };
    let r;
    try {
      r = await fetch(app.dataset.rateUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken },
        body: JSON.stringify(body),
      });
    } catch (e) {
      return showError(app.dataset.networkError);
    }
    const data = await r.json().catch(() => ({}));
    if (r.status === 201) return thank(level, data.query_code);
    if (r.status === 409) return thank(null, null, data.message);
    showError(data.message || app.dataset.networkError);
  }

  function showError(message) {
    const target = current === "reasons" ? $("reasons-error") : $("global-error");
    target.textContent = message;
  }

  function thank(level, queryCode, message) {
    if (invitation) dismissed.add(invitation.id);
    invitation = null;
    resetReasons();
    const levelBtn = level ? document.querySelector('.level[data-level="' + level + '"]') : null;
    $("thanks-level").textContent = message || (levelBtn ? levelBtn.textContent.trim() : "");
    $("thanks-query").hidden = !queryCode;
    $("query-code").textContent = queryCode || "";
    show("thanks");
    setTimeout(() => { if (current === "thanks") backToIdle(); }, queryCode ? THANKS_WITH_CODE_MS : THANKS_MS);
  }

  document.addEventListener("pointerdown", armIdleTimer);
  document.addEventListener("keydown", armIdleTimer);
  document.addEventListener("input", armIdleTimer);

  document.querySelectorAll(".level").forEach((btn) => btn.addEventListener("click", () => {
    chosenLevel = Number(btn.dataset.level);
    if (btn.dataset.bad === "true") {
      show("reasons");
    } else {
      submit(chosenLevel, [], "", null);
    }
  }));
  document.querySelectorAll(".reason").forEach((btn) => btn.addEventListener("click", () => {
    btn.setAttribute("aria-pressed", btn.getAttribute("aria-pressed") === "true" ? "false" : "true");
  }));
  $("btn-back").addEventListener("click", () => show("rate"));
  $("btn-uninvited").addEventListener("click", () => { invitation = null; $("rate-case").textContent = ""; show("rate"); });
  $("btn-submit").addEventListener("click", () => {
    const reasons = Array.from(document.querySelectorAll('.reason[aria-pressed="true"]')).map((b) => b.dataset.code);
    if (reasons.length === 0) return showError(app.dataset.reasonRequired);
    submit(chosenLevel, reasons, $("comment").value, $("phone").value.trim());
  });

  poll();
})();
