/* The deck's start-up: reveal.js on a 1280 × 720 slide, keyboard navigation, speaker notes
   (key S) in the teacher deck, one page per slide when printed (?print-pdf), and every slide
   fitted: a slide taller than the slide area has its tables and figures scaled down. */
(function () {
  var W = 1280, H = 720;
  function leaves() {
    return Array.prototype.filter.call(document.querySelectorAll(".reveal .slides section"),
      function (s) { return !s.querySelector("section"); });
  }
  function scalable(slide) {
    return slide.querySelectorAll(".jp-OutputArea-output, .jp-RenderedHTMLCommon table");
  }
  function fit(slide) {
    // CSS zoom scales a table or a widget snapshot whole (its px sizes too) and re-flows the slide.
    if (!slide) return;
    var parts = scalable(slide);
    Array.prototype.forEach.call(parts, function (p) { p.style.zoom = ""; });
    for (var f = 0.95; slide.scrollHeight > H && f >= 0.45; f -= 0.05) {
      Array.prototype.forEach.call(parts, function (p) { p.style.zoom = f.toFixed(2); });
    }
  }
  // Only the slide in view takes the keyboard: reveal.js keeps neighbouring slides rendered (and
  // hidden from assistive technology), so their links and folds would otherwise take Tab.
  function inertOthers() {
    leaves().forEach(function (s) { s.inert = !s.classList.contains("present"); });
  }
  // Printed, every slide is on paper: reveal.js still marks all but one hidden from assistive
  // technology, and Chromium leaves what is hidden so out of a tagged PDF's structure.
  function printable() {
    Array.prototype.forEach.call(document.querySelectorAll(".reveal .slides section"), function (s) {
      s.removeAttribute("aria-hidden"); s.removeAttribute("hidden");
    });
    // The figures' marker shapes (● ■ ◆ ▲) too: printed, they carry the legend's meaning, and
    // Chromium prints hidden text untagged.
    Array.prototype.forEach.call(document.querySelectorAll(".reveal .slides [aria-hidden]"), function (e) {
      e.removeAttribute("aria-hidden");
    });
    var deck = document.querySelector(".reveal");
    if (deck) deck.removeAttribute("role");  // "application" is for the keyboard, not for paper
  }
  var plugins = window.RevealNotes ? [window.RevealNotes] : [];
  Reveal.initialize({
    width: W, height: H, margin: 0.02, center: false, hash: true, history: false,
    controls: true, progress: true, slideNumber: "c/t", transition: "none",
    keyboard: true, help: true, plugins: plugins,
    pdfMaxPagesPerSlide: 1, pdfSeparateFragments: false
  }).then(function () {
    if (Reveal.isPrintView && Reveal.isPrintView()) { leaves().forEach(fit); printable(); return; }
    var controls = document.querySelector(".reveal .controls");
    if (controls) controls.setAttribute("aria-label", "Slide navigation");
    fit(Reveal.getCurrentSlide());
    inertOthers();
    document.documentElement.setAttribute("data-sl-ready", "true");
  });
  Reveal.on("pdf-ready", printable);
  Reveal.on("slidechanged", function (e) { fit(e.currentSlide); inertOthers(); });
})();
