// Voice prompts on the touchscreen: the invitation, the chosen level and the thanks.
// The audio files made at install time by scripts/build_assets.sh (espeak-ng, offline,
// the same voice on every terminal) when they exist (data-audio-files); otherwise the
// browser's speech synthesis if it has a voice for the page's language; otherwise silence. The hall turns voice off with Hall.voice_enabled (data-voice).
(function () {
  "use strict";
  const aids = document.getElementById("citizen-aids");
  if (!aids) return;
  const lang = document.documentElement.lang || "zh-CN";
  const audioLang = lang.startsWith("en") ? "en" : "zh_CN";
  const log = [];
  window.kioskVoiceLog = log;  // read by the browser tests
  const queue = [];
  let playing = null;

  function enabled() { return aids.dataset.voice === "on"; }

  function synthVoice() {
    if (!("speechSynthesis" in window)) return null;
    const prefix = lang.slice(0, 2).toLowerCase();
    return window.speechSynthesis.getVoices().find((v) => v.lang.toLowerCase().startsWith(prefix)) || null;
  }

  function say(key, text) {
    if (!enabled() || !text) return;
    const files = aids.dataset.audioFiles === "on";
    const voice = files ? null : synthVoice();
    log.push({ key: key, text: text, via: files ? "audio" : voice ? "speech" : "none" });
    if (!files && !voice) return;
    if (voice) {
      const utterance = new SpeechSynthesisUtterance(text);
      utterance.voice = voice;
      utterance.lang = voice.lang;
      utterance.rate = document.documentElement.classList.contains("elderly") ? 0.8 : 1;
      window.speechSynthesis.speak(utterance);  // the browser queues utterances itself
      return;
    }
    queue.push(aids.dataset.audioBase + audioLang + "/" + key + ".wav");
    if (!playing) playNext();
  }

  function playNext() {
    const src = queue.shift();
    if (!src) { playing = null; return; }
    playing = new Audio(src);
    playing.addEventListener("ended", playNext);
    playing.addEventListener("error", playNext);  // no file made for this build: stay silent
    playing.play().catch(playNext);               // autoplay refused: stay silent
  }

  function stop() {
    queue.length = 0;
    if (playing) { playing.pause(); playing = null; }
    if ("speechSynthesis" in window) window.speechSynthesis.cancel();
  }

  let screen = "idle";
  document.addEventListener("touch:screen", (event) => {
    const previous = screen;
    screen = event.detail.screen;
    if (screen === "rate" && previous !== "reasons") { stop(); say("invite", aids.dataset.sayInvite); }
    if (screen === "thanks") say("thanks", aids.dataset.sayThanks);
    if (screen === "idle") stop();
  });
  document.addEventListener("touch:more-time", () => say("more-time", aids.dataset.sayMoreTime));
  document.querySelectorAll(".level").forEach((btn) => btn.addEventListener("click", () => {
    stop();
    const name = btn.querySelector(".level-name");
    say("level-" + btn.dataset.level, name ? name.textContent.trim() : "");
  }));
})();
