// The contrast of every visible control on the page, as WCAG 2.x measures it.
//
// Text: the control's colour against the background behind it, at least
// `limits.text` (4.5:1). Focus: the control is focused as a keyboard would
// (focus-visible) and its outline or box-shadow colour is compared with the
// colour around it, at least `limits.focus` (3:1, WCAG 1.4.11). Transparent
// and translucent backgrounds are resolved by compositing the ancestors'
// backgrounds down to an opaque one (or the white canvas). Name: a control
// named by aria-label must have its visible words in that name (WCAG 2.5.3),
// so speech users can say what they see. Returns the number of controls
// checked and the problems found, one plain object each.
(limits) => {
  const WHITE = { r: 255, g: 255, b: 255, a: 1 };

  function parse(text) {
    const match = /rgba?\(([^)]*)\)/.exec(text || "");
    if (!match) return null;
    const parts = match[1].split(/[\s,/]+/).filter(Boolean).map(Number);
    return { r: parts[0], g: parts[1], b: parts[2], a: parts.length > 3 ? parts[3] : 1 };
  }

  // `top` painted over `bottom` (source-over alpha compositing).
  function over(top, bottom) {
    const alpha = top.a + bottom.a * (1 - top.a);
    const mix = (key) => (top[key] * top.a + bottom[key] * bottom.a * (1 - top.a)) / alpha;
    return { r: mix("r"), g: mix("g"), b: mix("b"), a: alpha };
  }

  // The opaque colour painted behind `node`'s content, and whether an image takes part.
  function background(node) {
    const layers = [];
    let image = false;
    for (let current = node; current; current = current.parentElement) {
      const style = getComputedStyle(current);
      if (style.backgroundImage !== "none") image = true;
      const colour = parse(style.backgroundColor);
      if (colour && colour.a > 0) {
        layers.push(colour);
        if (colour.a >= 1) break;
      }
    }
    let result = WHITE;
    for (let index = layers.length - 1; index >= 0; index -= 1) result = over(layers[index], result);
    return { colour: result, image: image };
  }

  function luminance(colour) {
    const channel = (value) => {
      const c = value / 255;
      return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    };
    return 0.2126 * channel(colour.r) + 0.7152 * channel(colour.g) + 0.0722 * channel(colour.b);
  }

  function ratio(first, second) {
    const [light, dark] = [luminance(first), luminance(second)].sort((a, b) => b - a);
    return Math.round(((light + 0.05) / (dark + 0.05)) * 100) / 100;
  }

  function css(colour) {
    const hex = (value) => Math.round(value).toString(16).padStart(2, "0");
    return "#" + hex(colour.r) + hex(colour.g) + hex(colour.b);
  }

  function describe(element) {
    const classes = element.classList.length ? "." + [...element.classList].join(".") : "";
    const text = (element.innerText || element.value || element.getAttribute("aria-label") || "")
      .trim().replace(/\s+/g, " ").slice(0, 40);
    return element.tagName.toLowerCase() + classes + (text ? ' "' + text + '"' : "");
  }

  function visible(element) {
    const box = element.getBoundingClientRect();
    return box.width > 1 && box.height > 1 &&
      element.checkVisibility({ opacityProperty: true, visibilityProperty: true });
  }

  function checkText(element, problems) {
    const style = getComputedStyle(element);
    const behind = background(element);
    const colour = parse(style.color);
    if (!colour) {
      problems.push({ kind: "text", element: describe(element), detail: "unreadable colour " + style.color });
      return;
    }
    const text = colour.a < 1 ? over(colour, behind.colour) : colour;
    const measured = ratio(text, behind.colour);
    if (behind.image || measured < limits.text) {
      problems.push({
        kind: "text", element: describe(element), ratio: measured,
        detail: css(text) + " on " + css(behind.colour) + (behind.image ? " (over an image)" : ""),
      });
    }
  }

  // The indicator's colour and the colours next to it, or null without an indicator.
  function indicator(element) {
    const style = getComputedStyle(element);
    const own = background(element).colour;
    const around = element.parentElement ? background(element.parentElement).colour : WHITE;
    if (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0) {
      const offset = parseFloat(style.outlineOffset) || 0;
      const neighbours = offset > 0 ? [around] : offset < 0 ? [own] : [around, own];
      return { colour: parse(style.outlineColor), neighbours: neighbours };
    }
    if (style.boxShadow && style.boxShadow !== "none") {
      return { colour: parse(style.boxShadow), neighbours: [around, own] };
    }
    return null;
  }

  function checkFocus(element, problems) {
    element.focus({ preventScroll: true, focusVisible: true });
    if (document.activeElement !== element) return;  // not focusable (disabled, inert)
    if (!element.matches(":focus-visible")) {
      problems.push({ kind: "focus", element: describe(element), detail: "focus is not shown as focus-visible" });
      return;
    }
    const ring = indicator(element);
    if (!ring || !ring.colour || ring.colour.a === 0) {
      problems.push({ kind: "focus", element: describe(element), detail: "no visible focus indicator" });
      return;
    }
    const measured = Math.min(...ring.neighbours.map((colour) => ratio(ring.colour, colour)));
    if (measured < limits.focus) {
      problems.push({
        kind: "focus", element: describe(element), ratio: measured,
        detail: css(ring.colour) + " next to " + ring.neighbours.map(css).join(" and "),
      });
    }
  }

  function checkName(element, label, problems) {
    const name = element.getAttribute("aria-label");
    const words = label.toLowerCase().replace(/\s+/g, " ");
    if (name !== null && words && !name.toLowerCase().replace(/\s+/g, " ").includes(words)) {
      problems.push({ kind: "name", element: describe(element), detail: 'aria-label "' + name + '" lacks the visible words' });
    }
  }

  const problems = [];
  const previous = document.activeElement;
  const controls = document.querySelectorAll(
    "a[href], button, [role=button], input[type=submit], input[type=button], summary"
  );
  let checked = 0;
  for (const element of controls) {
    if (!visible(element) || element.disabled) continue;
    checked += 1;
    const label = (element.innerText || element.value || "").trim();
    if (label) checkText(element, problems);
    checkName(element, label, problems);
    checkFocus(element, problems);
  }
  if (document.activeElement) document.activeElement.blur();
  if (previous && previous !== document.body) previous.focus({ preventScroll: true });
  return { checked: checked, problems: problems };
}
