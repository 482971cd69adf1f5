"""What a screen must never do, measured in the browser: put a control outside the
viewport, let two controls overlap, or clip text inside its box."""

LAYOUT_PROBLEMS_JS = """(whole) => {
  const problems = [];
  const vw = window.innerWidth, vh = window.innerHeight;
  const shown = (e) => e.checkVisibility({checkOpacity: true, checkVisibilityCSS: true}) &&
                       e.getClientRects().length > 0;
  const name = (e) => e.id ? '#' + e.id :
      (e.tagName.toLowerCase() + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\\s+/).join('.') : '') +
       ' "' + (e.textContent || e.getAttribute('aria-label') || '').trim().slice(0, 24) + '"');
  const controls = [...document.querySelectorAll(
      'button, a[href], input:not([type=hidden]), select, textarea, [tabindex]:not([tabindex="-1"])')]
      .filter(shown);
  const boxes = controls.map((e) => [e, e.getBoundingClientRect()]);
  for (const [e, r] of boxes) {
    const outside = r.left < -0.5 || r.right > vw + 0.5 || (whole && (r.top < -0.5 || r.bottom > vh + 0.5));
    if (outside) problems.push(`outside the viewport: ${name(e)} at ${Math.round(r.left)},${Math.round(r.top)}–${Math.round(r.right)},${Math.round(r.bottom)} (viewport ${vw}×${vh})`);
  }
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const [a, ra] = boxes[i], [b, rb] = boxes[j];
      if (a.contains(b) || b.contains(a)) continue;
      const w = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
      const h = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
      if (w > 1 && h > 1) problems.push(`overlap: ${name(a)} and ${name(b)}`);
    }
  }
  // Clipped text: a block holding text whose content is wider or taller than its box. A
  // CJK glyph may stand a little above or below a tight line box; a whole line may not.
  for (const e of document.body.querySelectorAll('*')) {
    if (!shown(e) || ['svg', 'path', 'img', 'script', 'style', 'option', 'select', 'textarea', 'input'].includes(e.tagName.toLowerCase())) continue;
    if (e.closest('svg')) continue;
    const hasText = [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!hasText) continue;
    const style = getComputedStyle(e);
    if (style.display === 'inline') continue;
    const slack = 0.3 * parseFloat(style.fontSize);
    if (e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + slack) {
      problems.push(`clipped text: ${name(e)} content ${e.scrollWidth}×${e.scrollHeight} in ${e.clientWidth}×${e.clientHeight}`);
    }
  }
  const doc = document.documentElement;
  if (doc.scrollWidth > vw + 1) problems.push(`page scrolls sideways: ${doc.scrollWidth} > ${vw}`);
  if (whole && doc.scrollHeight > vh + 1) problems.push(`page scrolls: ${doc.scrollHeight} > ${vh}`);
  return problems;
}"""


def layout_problems(page, whole_screen: bool) -> list[str]:
    """whole_screen: the page must fit the viewport without scrolling (the touchscreen);
    otherwise it may scroll down but never sideways (phone and admin pages)."""
    return page.evaluate(LAYOUT_PROBLEMS_JS, whole_screen)


TERMINAL_SIZES = {  # the window terminals halls buy: portrait and landscape, large and cheap
    "1080x1920": {"width": 1080, "height": 1920},
    "1920x1080": {"width": 1920, "height": 1080},
    "1280x800": {"width": 1280, "height": 800},
    "800x1280": {"width": 800, "height": 1280},
}
TERMINAL_STEPS = ("idle", "rate", "reasons", "phone", "thanks")


def walk_terminal(page, base: str, lang: str, elderly: bool, invite, on_step) -> None:
    """One citizen's bad rating through every step of the window terminal A01, calling
    on_step(step) while each is on screen. invite(case_no) opens an invitation at A01."""
    from playwright.sync_api import expect

    page.goto(f"{base}/touch/A01?lang={lang}")
    expect(page.locator("#screen-idle")).to_be_visible()
    expect(page.locator("#staff-name")).not_to_be_empty()
    if elderly:
        page.locator("#btn-elderly").click()
    on_step("idle")
    invite()
    expect(page.locator("#screen-rate")).to_be_visible(timeout=3000)
    expect(page.locator("#mobile-qr")).to_be_visible(timeout=3000)
    expect(page.locator("#mobile-qr-img")).to_have_js_property("complete", True)
    on_step("rate")
    page.locator(".level-5").click()
    expect(page.locator("#screen-reasons")).to_be_visible()
    page.locator(".reason").nth(1).click()
    expect(page.locator("#comment-qr")).to_be_visible(timeout=3000)
    on_step("reasons")
    page.locator("#btn-phone").click()
    for key in "1381234":
        page.locator(f'.key[data-key="{key}"]').click()
    on_step("phone")
    for key in "5678":
        page.locator(f'.key[data-key="{key}"]').click()
    page.locator("#btn-phone-ok").click()
    page.locator("#btn-submit").click()
    expect(page.locator("#screen-thanks")).to_be_visible()
    expect(page.locator("#query-code")).not_to_be_empty()
    on_step("thanks")
    page.locator("#btn-done").click()
