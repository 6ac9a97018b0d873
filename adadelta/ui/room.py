"""For the room: copy the page's link, presenter mode, and the keyboard for the animations.

- ``copy_link``: one click copies the page's whole URL (its state, ``adadelta.ui.state``); if
  the browser blocks the clipboard, the URL appears selected in a text field to copy by hand.
- Presenter mode (``controls.VIEW["presenter"]``, in the URL like every control): larger type,
  the sidebar folded, the charts' Play/Pause and step scrubber enlarged, the page using the
  whole width. It is made for a 1280x720 projector.
- The keyboard: ``K`` plays or pauses the animation, ``,`` and ``.`` step back and forward
  (``Home``/``End`` for the ends while a chart has the focus); the animated charts can be
  reached with Tab, and Space, the arrows, ``Home`` and ``End`` work on a focused chart. A
  polite live region tells screen readers what happened. Every chart already carries its text
  summary (``st.plotly_chart(alt=...)`` renders it as the chart's ``aria-label``).

Everything here is a few hundred bytes of HTML per rerun; its scripts run in the browser.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from . import controls

PRESENTER = controls.VIEW["presenter"]

_COPY_LINK = """
<div class="adl-copy-link">
  <button type="button" class="adl-copy-button" aria-describedby="adl-copy-status">
    <svg aria-hidden="true" width="1em" height="1em" viewBox="0 0 24 24" fill="currentColor"
      style="vertical-align: -0.15em"><path d="M3.9 12a3.1 3.1 0 0 1 3.1-3.1h4V7H7a5 5 0 0 0 0
      10h4v-1.9H7A3.1 3.1 0 0 1 3.9 12zM8 13h8v-2H8v2zm9-6h-4v1.9h4a3.1 3.1 0 0 1 0 6.2h-4V17h4a5
      5 0 0 0 0-10z"/></svg>
    Copy link
  </button>
  <span id="adl-copy-status" class="adl-copy-status" role="status" aria-live="polite"></span>
  <input class="adl-copy-url" type="text" readonly aria-label="This view's link" hidden />
</div>
<style>
  .adl-copy-link { display: flex; gap: 0.6rem; align-items: center; flex-wrap: wrap; }
  .adl-copy-button {
    font: inherit; padding: 0.3rem 0.8rem; border-radius: 0.5rem; cursor: pointer;
    border: 1px solid rgba(49, 51, 63, 0.25); background: white; color: inherit;
  }
  .adl-copy-button:hover, .adl-copy-button:focus-visible { border-color: #ff4b4b; color: #ff4b4b; }
  .adl-copy-status { font-size: 0.9em; color: rgb(49, 51, 63); }
  .adl-copy-url { flex: 1 1 20rem; font: inherit; font-size: 0.85em; padding: 0.25rem; }
</style>
<script>
(() => {
  const boxes = document.querySelectorAll(".adl-copy-link:not([data-ready])");
  boxes.forEach((box) => {
    box.dataset.ready = "1";
    const button = box.querySelector(".adl-copy-button");
    const status = box.querySelector(".adl-copy-status");
    const field = box.querySelector(".adl-copy-url");
    button.addEventListener("click", async () => {
      const url = window.location.href;
      field.value = url;
      try {
        await navigator.clipboard.writeText(url);
        field.hidden = true;
        status.textContent = "Link copied: it opens this exact view.";
      } catch (error) {
        field.hidden = false;
        field.focus();
        field.select();
        status.textContent = "The browser blocked the clipboard: press Ctrl+C (⌘C) to copy.";
      }
    });
  });
})();
</script>
"""

_KEYBOARD = """
<div id="adl-announce" class="adl-visually-hidden" role="status" aria-live="polite"></div>
<style>
  .adl-visually-hidden {
    position: absolute !important; width: 1px; height: 1px; overflow: hidden;
    clip: rect(0 0 0 0); white-space: nowrap;
  }
  [data-testid="stPlotlyChart"][data-adl-animated]:focus-visible {
    outline: 3px solid #ff4b4b; outline-offset: 2px;
  }
</style>
<script>
(() => {
  if (window.__adlKeyboard) return;
  window.__adlKeyboard = true;
  const CHART = '[data-testid="stPlotlyChart"]';
  const plot = (chart) => chart && chart.querySelector(".js-plotly-plot");
  const animated = (gd) => Boolean(
    gd && gd._fullLayout && (gd._fullLayout.sliders || []).length
    && gd._transitionData && (gd._transitionData._frames || []).length
  );
  const announce = (text) => {
    const region = document.getElementById("adl-announce");
    if (region) region.textContent = text;
  };
  const mark = () => {
    document.querySelectorAll(CHART).forEach((chart) => {
      if (chart.dataset.adlAnimated || !animated(plot(chart))) return;
      chart.dataset.adlAnimated = "1";
      chart.tabIndex = 0;
      const label = chart.getAttribute("aria-label") || "Animated chart";
      chart.setAttribute("aria-label", label
        + " Keys: Space or K plays and pauses; the arrows, comma and period step;"
        + " Home and End go to the first and last step.");
    });
  };
  new MutationObserver(mark).observe(document.body, { childList: true, subtree: true });
  setInterval(mark, 1500);
  const target = () => {
    const focused = document.activeElement && document.activeElement.closest
      && document.activeElement.closest(CHART);
    if (focused && animated(plot(focused))) return plot(focused);
    const first = [...document.querySelectorAll(CHART)].map(plot).find(animated);
    return first || null;
  };
  const playing = (gd) => {
    const data = gd._transitionData || {};
    return Boolean((data._frameQueue && data._frameQueue.length) || data._animationRaf);
  };
  const button = (gd, label) => [...gd.querySelectorAll(".updatemenu-button")]
    .find((b) => (b.textContent || "").includes(label));
  const slider = (gd) => gd._fullLayout.sliders[0];
  const goTo = (gd, index) => {
    const steps = slider(gd).steps;
    const i = Math.max(0, Math.min(steps.length - 1, index));
    window.Plotly.animate(gd, ...steps[i].args).catch(() => {});
    announce("Step " + steps[i].label);
  };
  const toggle = (gd) => {
    if (playing(gd)) {
      const pause = button(gd, "Pause");
      if (pause) pause.dispatchEvent(new MouseEvent("click", { bubbles: true }));
      announce("Paused at step " + slider(gd).steps[slider(gd).active || 0].label);
    } else {
      const play = button(gd, "Play");
      if (play) play.dispatchEvent(new MouseEvent("click", { bubbles: true }));
      announce("Playing");
    }
  };
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    const el = event.target;
    if (el && el.closest && el.closest(
      'input, textarea, select, [contenteditable="true"], [role="slider"], [role="combobox"],'
      + ' [role="listbox"], [role="option"], [role="spinbutton"]'
    )) return;
    const onChart = Boolean(el && el.closest && el.closest(CHART + "[data-adl-animated]"));
    const key = event.key;
    const global = key === "k" || key === "K" || key === "," || key === ".";
    const local = [" ", "Enter", "ArrowLeft", "ArrowRight", "Home", "End"].includes(key);
    if (!global && !(onChart && local)) return;
    const gd = target();
    if (!gd || !window.Plotly) return;
    event.preventDefault();
    const active = slider(gd).active || 0;
    if (key === "k" || key === "K" || key === " " || key === "Enter") toggle(gd);
    else if (key === "," || key === "ArrowLeft") goTo(gd, active - 1);
    else if (key === "." || key === "ArrowRight") goTo(gd, active + 1);
    else if (key === "Home") goTo(gd, 0);
    else if (key === "End") goTo(gd, slider(gd).steps.length - 1);
  });
})();
</script>
"""

_PRESENTER_CSS = """
<style>
  html { font-size: 20px; }
  [data-testid="stMainBlockContainer"] {
    max-width: 100% !important; padding: 4rem 1.5rem 2rem !important;
  }
  [data-testid="stMain"] h1 { font-size: 1.7rem; padding: 0; }
  [data-testid="stMain"] p, [data-testid="stMain"] li { font-size: 1.05rem; line-height: 1.45; }
  [data-testid="stPlotlyChart"] { scroll-margin-top: 4rem; }
  [data-testid="stSlider"] [role="slider"] { width: 1.6rem; height: 1.6rem; }
  [data-testid="stSlider"] label p { font-size: 1.1rem; font-weight: 600; }
</style>
<script>
(() => {
  // Fold the sidebar once when presenter mode starts (the presenter may open it again).
  let tries = 0;
  const fold = () => {
    const sidebar = document.querySelector('[data-testid="stSidebar"]');
    const button = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
    if (sidebar && button && sidebar.dataset.collapsed === "false") button.click();
    else if (!sidebar && ++tries < 20) setTimeout(fold, 100);
  };
  fold();
  // Then bring the first animated chart, Play/Pause and its scrubber, onto the screen.
  let waited = 0;
  const show = () => {
    const chart = document.querySelector('[data-testid="stPlotlyChart"][data-adl-animated]');
    if (chart) chart.scrollIntoView({ block: "start" });
    else if (++waited < 600) setTimeout(show, 200);  // a first network run can take a while
  };
  show();
})();
</script>
"""

PRESENTER_FONT = 18
"""Font size of a chart's text in presenter mode (the app's is 13), Play/Pause included."""


def copy_link(where: Any = None) -> None:
    """A "Copy link" button for the page's current URL (its whole state)."""
    (where or st).html(_COPY_LINK, width="content", unsafe_allow_javascript=True)


def presenting() -> bool:
    """Whether presenter mode is on (the page's session state, from the toggle or the link)."""
    return bool(PRESENTER.value(st.session_state))


def toolbar() -> bool:
    """The room's row at the top of a page: Copy link, the presenter toggle, the keyboard.

    Call it after ``state.load_and_report`` (the toggle reads its value from the link).
    Returns whether presenter mode is on.
    """
    row = st.container(horizontal=True, vertical_alignment="center", gap="medium")
    copy_link(row)
    row.toggle(**{"label": "Presenter mode", "key": PRESENTER.key, "help": PRESENTER.help})
    st.html(_KEYBOARD, unsafe_allow_javascript=True)
    on = presenting()
    if on:
        st.html(_PRESENTER_CSS, unsafe_allow_javascript=True)
    return on


def _bigger(font: Any, size: int) -> dict[str, Any]:
    return {**(font or {}), "size": size}


def presented(fig: dict[str, Any]) -> dict[str, Any]:
    """The figure as presenter mode shows it: larger text, Play/Pause and the scrubber larger.

    Only the layout's top level is copied (the data and frames are shared, never changed).
    """
    layout = fig.get("layout", {})
    big = {
        **layout,
        "font": _bigger(layout.get("font"), PRESENTER_FONT),
        "updatemenus": [
            {**menu, "font": _bigger(menu.get("font"), PRESENTER_FONT + 2)}
            for menu in layout.get("updatemenus", [])
        ],
        "sliders": [
            {
                **slider,
                "font": _bigger(slider.get("font"), PRESENTER_FONT - 2),
                "currentvalue": {
                    **slider.get("currentvalue", {}),
                    "font": _bigger(slider.get("currentvalue", {}).get("font"), PRESENTER_FONT + 4),
                },
            }
            for slider in layout.get("sliders", [])
        ],
    }
    if not big["updatemenus"]:
        del big["updatemenus"]
    if not big["sliders"]:
        del big["sliders"]
    return {**fig, "layout": big}
