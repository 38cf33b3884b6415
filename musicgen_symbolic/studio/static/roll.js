/* A piano roll on a canvas: notes by track colour, bar lines, the new part of a continuation shaded, a playhead.
   PianoRoll(canvas).draw(roll) once per take (roll: {notes: [[pitch, start, end, velocity, track]], tracks,
   bars, duration, join}); .at(seconds) moves the playhead (cheap: the notes are drawn once, off screen). */
"use strict";
(function (global) {
  const COLOURS = ["#748ffc", "#63e6be", "#ffa94d", "#f783ac", "#b197fc", "#ffd43b", "#4dabf7", "#ff8787"];
  const DRUM = "#adb5bd";

  function PianoRoll(canvas) {
    this.canvas = canvas;
    this.back = document.createElement("canvas");
    this.roll = null;
    this.time = 0;
  }

  PianoRoll.prototype.size = function () {
    const ratio = global.devicePixelRatio || 1;
    const width = Math.max(200, Math.round(this.canvas.clientWidth * ratio)) || 640;
    const height = Math.max(100, Math.round(this.canvas.clientHeight * ratio)) || 200;
    for (const c of [this.canvas, this.back]) { c.width = width; c.height = height; }
    return { width, height, ratio };
  };

  PianoRoll.prototype.draw = function (roll) {
    this.roll = roll;
    const { width, height, ratio } = this.size();
    const g = this.back.getContext("2d");
    g.fillStyle = "#11151c";
    g.fillRect(0, 0, width, height);
    const duration = Math.max(roll.duration || 0, 0.001);
    const x = (t) => (t / duration) * width;
    if (roll.join != null) {
      g.fillStyle = "rgba(99, 230, 190, 0.08)";
      g.fillRect(x(roll.join), 0, width - x(roll.join), height);
    }
    let low = 127, high = 0;
    for (const n of roll.notes) { if (n[0] < low) low = n[0]; if (n[0] > high) high = n[0]; }
    if (low > high) { low = 48; high = 72; }
    low = Math.max(0, low - 2); high = Math.min(127, high + 2);
    const rows = high - low + 1, rowHeight = height / rows;
    g.strokeStyle = "rgba(255,255,255,0.07)";
    g.lineWidth = 1;
    for (let p = low; p <= high; p++) {
      if (p % 12 === 0) { const y = height - (p - low + 1) * rowHeight; g.beginPath(); g.moveTo(0, y); g.lineTo(width, y); g.stroke(); }
    }
    g.strokeStyle = "rgba(255,255,255,0.16)";
    roll.bars.forEach((t, i) => {
      const bx = Math.round(x(t)) + 0.5;
      g.beginPath(); g.moveTo(bx, 0); g.lineTo(bx, height); g.stroke();
      if (i % 4 === 0) { g.fillStyle = "rgba(255,255,255,0.35)"; g.font = `${10 * ratio}px sans-serif`; g.fillText(String(i + 1), bx + 3 * ratio, 11 * ratio); }
    });
    for (const [pitch, start, end, velocity, track] of roll.notes) {
      const info = roll.tracks[track] || {};
      g.globalAlpha = 0.45 + 0.55 * (velocity / 127);
      g.fillStyle = info.drum ? DRUM : COLOURS[track % COLOURS.length];
      const y = height - (pitch - low + 1) * rowHeight;
      g.fillRect(x(start), y, Math.max(1.5 * ratio, x(end) - x(start) - ratio), Math.max(1.5 * ratio, rowHeight - ratio * 0.5));
    }
    g.globalAlpha = 1;
    this.at(this.time);
  };

  PianoRoll.prototype.at = function (seconds) {
    this.time = seconds;
    const c = this.canvas.getContext("2d");
    c.drawImage(this.back, 0, 0);
    if (!this.roll) return;
    const duration = Math.max(this.roll.duration || 0, 0.001);
    const px = Math.min(1, seconds / duration) * this.canvas.width;
    c.fillStyle = "rgba(255,255,255,0.06)";
    c.fillRect(0, 0, px, this.canvas.height);
    c.fillStyle = "#ff6b6b";
    c.fillRect(Math.round(px) - 1, 0, 2 * (global.devicePixelRatio || 1), this.canvas.height);
  };

  /* seconds at a click's x position */
  PianoRoll.prototype.timeAt = function (clientX) {
    const box = this.canvas.getBoundingClientRect();
    const duration = this.roll ? this.roll.duration : 0;
    return Math.max(0, Math.min(1, (clientX - box.left) / box.width)) * duration;
  };

  global.PianoRoll = PianoRoll;
})(window);
