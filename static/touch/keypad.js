// On-screen number keypad for the optional phone number: the terminal has no keyboard.
// Keeps the digits in #phone (an <output>); touch.js reads and resets them via touchKeypad.
(function () {
  "use strict";
  const display = document.getElementById("phone");
  if (!display) return;
  const MAX_DIGITS = 11;
  let digits = "";

  function render() {
    // Groups of 3-4-4 are easier to check at a glance: 138 1234 5678.
    display.textContent = [digits.slice(0, 3), digits.slice(3, 7), digits.slice(7)].filter(Boolean).join(" ");
  }

  function press(key) {
    if (key === "clear") digits = "";
    else if (key === "back") digits = digits.slice(0, -1);
    else if (/^\d$/.test(key) && digits.length < MAX_DIGITS) digits += key;
    render();
    document.dispatchEvent(new Event("input"));  // keeps the idle timers awake
  }

  document.querySelectorAll(".keypad .key").forEach((btn) =>
    btn.addEventListener("click", () => press(btn.dataset.key)));

  window.touchKeypad = {
    value: () => digits,
    set: (value) => { digits = (value || "").replace(/\D/g, "").slice(0, MAX_DIGITS); render(); },
  };
})();
