// Window touchscreen: follows the window's state, shows the rating screen when invited.
// One citizen, one session: everything they chose or typed (and their language) is
// forgotten when the screen goes back to idle, after thanks or a timeout.
(function () {
  "use strict";
  const app = document.getElementById("app");
  const POLL_MS = 500;
  const IDLE_MS = Number(app.dataset.idleTimeout) * 1000;
  const THANKS_SECONDS = 10;            // a plain thank-you
  const THANKS_WITH_CODE_SECONDS = 60;  // time to note the query code or scan it
  const screens = ["idle", "paused", "rate", "reasons", "phone", "thanks"];
  const $ = (id) => document.getElementById(id);

  let current = "idle";
  let csrfToken = null;
  let invitation = null;       // the invitation on screen, or null for an uninvited rating
  let dismissed = new Set();   // invitations timed out or answered on this screen
  let chosenLevel = null;
  let phoneNumber = "";
  let idleTimer = null;
  let thanksTimer = null;
  let lastState = null;
  let submitting = false;      // our own rating is on its way: the poll must not back out

  function show(name) {
    current = name;
    for (const s of screens) $("screen-" + s).hidden = s !== name;
    $("global-error").textContent = "";
    armIdleTimer();
    document.dispatchEvent(new CustomEvent("touch:screen", { detail: { screen: name } }));  // a11y.js, voice.js
  }

  function armIdleTimer() {
    clearTimeout(idleTimer);
    if (["rate", "reasons", "phone"].includes(current)) {
      idleTimer = setTimeout(backToIdle, IDLE_MS * Number(app.dataset.idleFactor || 1));  // x2 in elderly mode
    }
  }

  function backToIdle() {
    if (invitation) dismissed.add(invitation.id);
    invitation = null;
    chosenLevel = null;
    clearInterval(thanksTimer);
    resetCitizenInput();
    show(lastState && lastState.paused ? "paused" : "idle");
    // The next citizen starts in the hall's language, whatever this one picked.
    if (app.dataset.lang !== app.dataset.defaultLang) {
      location.replace(location.pathname + "?lang=" + encodeURIComponent(app.dataset.defaultLang));
      return;
    }
    // An invitation that arrived while this screen was busy: the state request only answers
    // changes, so offer what it last said now.
    if (lastState && !lastState.paused) applyState(lastState);
  }

  function resetCitizenInput() {
    document.querySelectorAll(".reason").forEach((b) => b.setAttribute("aria-pressed", "false"));
    phoneNumber = "";
    if (window.touchKeypad) window.touchKeypad.set("");
    showPhone();
    $("reasons-error").textContent = "";
    $("phone-error").textContent = "";
  }

  function showPhone() {
    const value = $("phone-value");
    value.textContent = phoneNumber ? phoneNumber.slice(0, 3) + "****" + phoneNumber.slice(7) : value.dataset.empty;
  }

  function showStaff(staff) {
    $("staff-card").hidden = !staff;
    $("staff-name").textContent = staff ? staff.name : "";
    $("staff-no").textContent = staff ? app.dataset.staffLabel + " " + staff.staff_no : "";
    const stars = staff && staff.stars ? staff.stars : 0;
    const starsBox = $("staff-stars");
    starsBox.hidden = !stars;
    if (stars) {
      starsBox.firstChild.textContent = "★".repeat(stars);
      starsBox.querySelector(".stars-off").textContent = "☆".repeat(5 - stars);
      starsBox.setAttribute("aria-label", app.dataset.starsLabel.replace("{n}", String(stars)));
    }
    const promise = $("staff-promise");
    promise.hidden = Boolean(stars) || !promise.dataset.promise;  // stars, else the hall's promise
    const photo = $("staff-photo");
    const url = staff && staff.photo_url;
    if (url) {
      if (photo.getAttribute("src") !== url) photo.src = url;
      photo.hidden = false;
    } else {
      photo.hidden = true;
      photo.removeAttribute("src");
    }
  }

  function applyState(state) {
    lastState = state;
    csrfToken = state.csrf_token;
    $("btn-uninvited").hidden = !state.allow_uninvited;
    showStaff(state.staff);
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
    } else if (["rate", "reasons", "phone"].includes(current) && invitation && !submitting &&
               (!inv || inv.id !== invitation.id)) {
      // Rated on the evaluator or the phone, or withdrawn: this screen returns to idle.
      backToIdle();
    }
    showMobileQr(state);
  }

  // The one-time QR of the invitation on screen (rated on the phone → the poll returns to
  // idle). On the reasons screen the same code is how a citizen leaves a comment.
  function showMobileQr(state) {
    const qr = state.mobile_qr;
    const onScreen = invitation && state.invitation && state.invitation.id === invitation.id && qr;
    for (const [box, img, screen] of [["mobile-qr", "mobile-qr-img", "rate"], ["comment-qr", "comment-qr-img", "reasons"]]) {
      const visible = onScreen && current === screen;
      if (visible && $(img).getAttribute("src") !== qr.image_url) $(img).setAttribute("src", qr.image_url);
      if (visible) $(img).dataset.url = qr.url;
      $(box).hidden = !visible;
    }
  }

  // The server holds the request (?after=<version of the last answer>) until the state
  // changes, so an invitation shows as soon as it is stored; then the screen asks again at
  // once. An error, or an unchanged answer that came back at once (the server had no
  // waiting place free), falls back to asking every POLL_MS.
  async function poll() {
    let wait = POLL_MS;
    const started = Date.now();
    try {
      const url = new URL(app.dataset.stateUrl, location.href);
      if (lastState && lastState.version) url.searchParams.set("after", lastState.version);
      const r = await fetch(url, { cache: "no-store" });
      if (r.ok) {
        const state = await r.json();
        const changed = !lastState || state.version !== lastState.version;
        applyState(state);
        if (changed || Date.now() - started >= POLL_MS) wait = 0;
      }
    } catch (e) { /* network hiccup: keep showing what we have */ }
    setTimeout(poll, wait);
  }

  async function submit(level, reasons, phone) {
    submitting = true;
    try {
      await send(level, reasons, phone);
    } finally {
      submitting = false;
    }
  }

  async function send(level, reasons, phone) {
    const body = { level: level, reasons: reasons, phone: phone || null,
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
    if (r.status === 201) return thank(level, data);
    if (r.status === 409) return thank(null, {}, data.message);
    showError(data.message || app.dataset.networkError);
  }

  function showError(message) {
    const target = current === "reasons" ? $("reasons-error") : $("global-error");
    target.textContent = message;
  }

  function thank(level, data, message) {
    if (invitation) dismissed.add(invitation.id);
    invitation = null;
    resetCitizenInput();
    const levelBtn = level ? document.querySelector('.level[data-level="' + level + '"]') : null;
    $("thanks-level").textContent = message || (levelBtn ? levelBtn.textContent.trim() : "");
    const code = data.query_code;
    $("thanks-query").hidden = !code;
    $("query-code").textContent = code || "";
    if (data.query_qr) $("query-qr").src = data.query_qr; else $("query-qr").removeAttribute("src");
    show("thanks");
    countDown(code ? THANKS_WITH_CODE_SECONDS : THANKS_SECONDS);
  }

  function countDown(seconds) {
    let left = seconds;
    const label = $("thanks-countdown");
    const tick = () => { label.textContent = app.dataset.countdown.replace("{n}", String(left)); };
    clearInterval(thanksTimer);
    tick();
    thanksTimer = setInterval(() => {
      left -= 1;
      if (left <= 0 || current !== "thanks") { clearInterval(thanksTimer); if (current === "thanks") backToIdle(); return; }
      tick();
    }, 1000);
  }

  function chooseLevel(level) {
    chosenLevel = level;
    document.querySelectorAll(".chosen-face").forEach((f) => { f.hidden = Number(f.dataset.level) !== level; });
    show("reasons");
    if (lastState) showMobileQr(lastState);
  }

  document.addEventListener("pointerdown", armIdleTimer);
  document.addEventListener("keydown", armIdleTimer);
  document.addEventListener("input", armIdleTimer);

  document.querySelectorAll(".level").forEach((btn) => btn.addEventListener("click", () => {
    const level = Number(btn.dataset.level);
    if (btn.dataset.bad === "true") chooseLevel(level);
    else { chosenLevel = level; submit(level, [], null); }
  }));
  document.querySelectorAll(".reason").forEach((btn) => btn.addEventListener("click", () => {
    btn.setAttribute("aria-pressed", btn.getAttribute("aria-pressed") === "true" ? "false" : "true");
    $("reasons-error").textContent = "";
  }));
  $("btn-back").addEventListener("click", () => { show("rate"); if (lastState) showMobileQr(lastState); });
  $("btn-uninvited").addEventListener("click", () => { invitation = null; $("rate-case").textContent = ""; show("rate"); });
  $("btn-phone").addEventListener("click", () => { window.touchKeypad.set(phoneNumber); $("phone-error").textContent = ""; show("phone"); });
  $("btn-phone-cancel").addEventListener("click", () => show("reasons"));
  $("btn-phone-ok").addEventListener("click", () => {
    const digits = window.touchKeypad.value();
    if (digits && !/^1\d{10}$/.test(digits)) { $("phone-error").textContent = $("phone-error").dataset.message; return; }
    phoneNumber = digits;
    showPhone();
    show("reasons");
  });
  $("btn-submit").addEventListener("click", () => {
    const reasons = Array.from(document.querySelectorAll('.reason[aria-pressed="true"]')).map((b) => b.dataset.code);
    if (reasons.length === 0) return showError(app.dataset.reasonRequired);
    submit(chosenLevel, reasons, phoneNumber);
  });
  $("btn-done").addEventListener("click", backToIdle);
  // Touching anywhere on the thank-you screen ends it (the next citizen may be waiting).
  $("screen-thanks").addEventListener("click", (event) => { if (event.target.id !== "btn-done") backToIdle(); });

  poll();
})();
