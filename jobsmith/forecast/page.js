// Draws the forecast page's canvases from the JSON in #data (see html.py).
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("data").textContent);
  var ROW = 18, NAMES = 260, DPR = window.devicePixelRatio || 1;
  var zoom = 1, filter = "", scrollX = 0;
  var BLUE = "#4a79a8", RED = "#d0413a", ORANGE = "#f0a23b", GREY = "#aaa";
  var origin = Date.parse(D.origin);

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function clock(t, withDate) {
    var d = new Date(origin + t * 1000);
    var hm = pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes());
    return withDate ? pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate()) + " " + hm : hm;
  }
  function laneWidth() {
    return Math.max(400, document.getElementById("timeline").clientWidth - NAMES - 4) * zoom;
  }
  function setup(canvas, w, h) {
    canvas.width = Math.round(w * DPR); canvas.height = Math.round(h * DPR);
    canvas.style.width = w + "px"; canvas.style.height = h + "px";
    var ctx = canvas.getContext("2d"); ctx.setTransform(DPR, 0, 0, DPR, 0, 0);
    return ctx;
  }
  function grid(ctx, w, h) {
    var hours = D.span / 3600, every = hours > 72 ? 24 : hours > 24 ? 6 : hours > 6 ? 1 : 0.25;
    ctx.strokeStyle = "#e6e8ee"; ctx.lineWidth = 1;
    for (var t = 0; t <= D.span; t += every * 3600) {
      var x = Math.round(t / D.span * w) + 0.5;
      ctx.beginPath(); ctx.moveTo(x, 0); ctx.lineTo(x, h); ctx.stroke();
    }
    ctx.fillStyle = "rgba(208, 65, 58, .25)";
    D.herds.forEach(function (t) {
      ctx.fillRect(t / D.span * w, 0, Math.max(60 / D.span * w, 2), h);
    });
    return every;
  }
  function visible(job) { return !filter || job.name.toLowerCase().indexOf(filter) >= 0; }

  function drawLane(details) {
    var members = details.dataset.jobs.split(",").map(Number);
    var names = details.querySelectorAll(".name"), shown = [];
    members.forEach(function (index, i) {
      var ok = visible(D.jobs[index]);
      names[i].classList.toggle("hidden", !ok);
      if (ok) shown.push(index);
    });
    details.style.display = shown.length ? "" : "none";
    var lane = details.querySelector(".lane"), canvas = lane.querySelector("canvas");
    details._shown = shown;
    if (!details.open || !shown.length) return;
    var w = laneWidth(), h = shown.length * ROW, ctx = setup(canvas, w, h);
    grid(ctx, w, h);
    var k = w / D.span;
    shown.forEach(function (index, row) {
      var y = row * ROW;
      D.jobs[index].runs.forEach(function (r) {
        var due = r[0], start = r[1], len = r[2], flags = r[3], x0 = due * k;
        if (start < 0) {  // never starts
          ctx.fillStyle = "rgba(208, 65, 58, .35)"; ctx.fillRect(x0, y + 7, w - x0, 4);
        } else {
          if (start > 0) { ctx.fillStyle = ORANGE; ctx.fillRect(x0, y + 7, start * k, 4); }
          var x1 = (due + start) * k, width = len < 0 ? w - x1 : Math.max(len * k, 1.5);
          ctx.fillStyle = flags & 6 ? GREY : flags & 9 ? RED : BLUE;
          ctx.fillRect(x1, y + 3, width, flags & 2 ? 4 : 12);
        }
        ctx.fillStyle = "#000";
        for (var f = 4; f < r.length; f++) ctx.fillRect((due + r[f]) * k, y + 1, 1.5, 16);
      });
    });
    lane.scrollLeft = scrollX;
  }

  function drawAxis() {
    var axis = document.getElementById("axis"), w = laneWidth();
    var ctx = setup(axis.querySelector("canvas"), w, 22);
    var every = grid(ctx, w, 22), withDate = D.span > 86400;
    ctx.fillStyle = "#444"; ctx.font = "11px sans-serif";
    var step = every * 3600;
    while (step / D.span * w < 70) step *= 2;
    for (var t = 0; t < D.span; t += step) ctx.fillText(clock(t, withDate), t / D.span * w + 3, 15);
    axis.scrollLeft = scrollX;
  }

  function drawLoads() {
    var box = document.getElementById("loads");
    box.innerHTML = "";
    D.loads.forEach(function (load) {
      var row = document.createElement("div"); row.className = "load";
      var label = document.createElement("div"); label.className = "label";
      var peak = Math.max.apply(null, load.busy.concat([0]));
      label.textContent = load.label + (load.capacity === null ? " (unlimited)" :
        " (" + load.capacity + " executors)") + ", peak " + peak;
      var canvas = document.createElement("canvas");
      row.appendChild(label); row.appendChild(canvas); box.appendChild(row);
      var w = Math.max(box.clientWidth - NAMES - 4, 400), h = 70, ctx = setup(canvas, w, h);
      var top = Math.max(peak, load.capacity || 0, Math.max.apply(null, load.waiting.concat([1])));
      var n = load.busy.length, bw = w / Math.max(n, 1);
      grid(ctx, w, h);
      for (var i = 0; i < n; i++) {
        var b = load.busy[i] / top * (h - 4), q = Math.min(load.waiting[i], top) / top * (h - 4);
        ctx.fillStyle = BLUE; ctx.fillRect(i * bw, h - b, Math.max(bw, 1), b);
        if (q > 0) { ctx.fillStyle = ORANGE; ctx.fillRect(i * bw, h - b - q, Math.max(bw, 1), q); }
      }
      if (load.capacity !== null) {
        var y = h - load.capacity / top * (h - 4) + 0.5;
        ctx.strokeStyle = RED; ctx.setLineDash([4, 3]); ctx.beginPath();
        ctx.moveTo(0, y); ctx.lineTo(w, y); ctx.stroke(); ctx.setLineDash([]);
      }
    });
  }

  function redraw() {
    document.querySelectorAll("details.folder").forEach(drawLane);
    drawAxis();
  }

  function tip(event) {
    var details = event.target.closest("details"), shown = details._shown || [];
    var rect = event.target.getBoundingClientRect();
    var row = Math.floor((event.clientY - rect.top) / ROW), job = D.jobs[shown[row]];
    var t = (event.clientX - rect.left) / rect.width * D.span, box = document.getElementById("tip");
    if (!job) { box.hidden = true; return; }
    var hit = job.runs.filter(function (r) {
      var end = r[1] < 0 || r[2] < 0 ? D.span : r[0] + r[1] + r[2];
      return r[0] - 60 <= t && t <= end + 60;
    })[0];
    box.textContent = job.name + (hit ? "\ndue " + clock(hit[0], true) + (hit[1] < 0 ?
      "\nnever starts" : "\nstart " + clock(hit[0] + hit[1], true) + " (waited " +
      Math.round(hit[1] / 60) + " min)" + "\nend " + clock(hit[0] + hit[1] + hit[2], true)) +
      (hit.length > 4 ? "\nfolded ticks: " + (hit.length - 4) : "") +
      (hit[3] & 1 ? "\nLATE" : "") + (hit[3] & 2 ? "\nskipped" : "") +
      (hit[3] & 4 ? "\nreplaced" : "") : "");
    box.style.left = event.clientX + 12 + "px"; box.style.top = event.clientY + 12 + "px";
    box.hidden = false;
  }

  document.querySelectorAll("details.folder").forEach(function (details) {
    details.addEventListener("toggle", function () { drawLane(details); });
    var lane = details.querySelector(".lane");
    lane.addEventListener("scroll", function () {
      scrollX = lane.scrollLeft;
      document.getElementById("axis").scrollLeft = scrollX;
      document.querySelectorAll(".lane").forEach(function (o) {
        if (o !== lane) o.scrollLeft = scrollX;
      });
    });
    lane.addEventListener("mousemove", tip);
    lane.addEventListener("mouseleave", function () { document.getElementById("tip").hidden = true; });
  });
  document.getElementById("zoom").addEventListener("input", function (e) {
    var ratio = Number(e.target.value) / zoom;
    zoom = Number(e.target.value); scrollX *= ratio; redraw();
  });
  document.getElementById("filter").addEventListener("input", function (e) {
    filter = e.target.value.toLowerCase(); redraw();
  });
  document.getElementById("expand").addEventListener("click", function () {
    document.querySelectorAll("details.folder").forEach(function (d) { d.open = true; });
  });
  document.getElementById("collapse").addEventListener("click", function () {
    document.querySelectorAll("details.folder").forEach(function (d) { d.open = false; });
  });
  window.addEventListener("resize", function () { redraw(); drawLoads(); });
  drawLoads();
  redraw();
  document.body.dataset.drawn = "yes";
})();
