using System.Text;
using System.Text.Json;

namespace Fanout.Reports;

/// <summary>
/// The report page: one HTML file with its CSS, script and data inline (no network, no fonts). The data is a JSON
/// block written with the default encoder, which escapes <c>&lt;</c>, <c>&gt;</c> and <c>&amp;</c>, so no text from a
/// record can close the block; the script puts every text from the data into the page with <c>textContent</c>, never
/// as markup. The page marks itself <c>data-rendered="ok"</c> when drawn and lists script errors in <c>#errors</c>.
/// </summary>
internal static class ReportHtml
{
    public static void Write(Stream output, RunReport report)
    {
        output.Write(Encoding.UTF8.GetBytes(Head));
        using (var json = new Utf8JsonWriter(output))
        {
            report.WriteData(json);
        }

        output.Write(Encoding.UTF8.GetBytes(Tail));
    }

    private const string Head = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>fanout report</title>
        <style>
        :root { --ok: #2e9e5b; --failed: #d33c3c; --retried: #e6952e; --skipped: #9aa0a6; --ink: #1f2328; --mute: #656d76; --line: #d8dee4; }
        * { box-sizing: border-box; }
        body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); margin: 0; padding: 24px 32px 48px; max-width: 1280px; }
        h1 { font-size: 22px; margin: 0 0 4px; }
        h2 { font-size: 16px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
        .meta { color: var(--mute); font-size: 13px; }
        .meta code { color: var(--ink); background: #f3f4f6; padding: 1px 4px; border-radius: 3px; word-break: break-all; }
        .cards { display: flex; flex-wrap: wrap; gap: 10px; margin-top: 16px; }
        .card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; min-width: 110px; }
        .card .v { font-size: 20px; font-weight: 600; font-variant-numeric: tabular-nums; }
        .card .l { color: var(--mute); font-size: 12px; }
        .card.bad .v { color: var(--failed); }
        svg { display: block; width: 100%; height: auto; }
        .axis text, .lane-name { font-size: 10px; fill: var(--mute); }
        .axis line, .grid { stroke: var(--line); }
        .bar.o0 { fill: var(--ok); } .bar.o1 { fill: var(--failed); } .bar.o2 { fill: var(--retried); } .bar.o3 { fill: var(--skipped); }
        .bar:hover { stroke: var(--ink); stroke-width: 1; }
        .hbar { fill: var(--ok); }
        .legend span { display: inline-block; margin-right: 14px; font-size: 12px; color: var(--mute); }
        .legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; vertical-align: -1px; border-radius: 2px; }
        table { border-collapse: collapse; width: 100%; font-size: 13px; }
        th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { color: var(--mute); font-weight: 600; }
        td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        td.t { word-break: break-all; }
        #tip { position: fixed; display: none; max-width: 520px; background: #fff; border: 1px solid var(--line); border-radius: 6px; box-shadow: 0 4px 14px rgba(0,0,0,.15); padding: 8px 10px; font-size: 12px; pointer-events: none; z-index: 2; }
        #tip.pinned { pointer-events: auto; }
        #tip div { word-break: break-all; }
        #tip b { color: var(--mute); font-weight: 600; margin-right: 4px; }
        #errors:empty { display: none; }
        #errors { color: var(--failed); white-space: pre-wrap; border: 1px solid var(--failed); padding: 8px; }
        .note { color: var(--mute); font-size: 12px; }
        </style>
        </head>
        <body>
        <pre id="errors"></pre>
        <h1 id="title">fanout report</h1>
        <div class="meta" id="meta"></div>
        <div class="cards" id="cards"></div>
        <h2>Workers over time</h2>
        <div class="legend"><span><i style="background:var(--ok)"></i>ok</span><span><i style="background:var(--retried)"></i>ok after retries</span><span><i style="background:var(--failed)"></i>failed</span><span><i style="background:var(--skipped)"></i>skipped</span></div>
        <section id="timeline"></section>
        <p class="note" id="timeline-note"></p>
        <h2>Concurrency and throughput</h2>
        <section id="series"></section>
        <h2>Item times</h2>
        <section id="histogram"></section>
        <div id="job"></div>
        <h2>Status and exit codes</h2>
        <table id="codes"><thead><tr><th>code</th><th>items</th></tr></thead><tbody></tbody></table>
        <h2>Failures by error</h2>
        <table id="failures"><thead><tr><th>error</th><th>kind</th><th>items</th><th>examples</th></tr></thead><tbody></tbody></table>
        <h2>Slowest items</h2>
        <table id="slowest"><thead><tr><th>key</th><th>time</th><th>worker</th><th>started</th><th>attempts</th><th>outcome</th></tr></thead><tbody></tbody></table>
        <div id="tip"></div>
        <script id="data" type="application/json">
        """;

    private const string Tail = """
        </script>
        <script>
        "use strict";
        window.onerror = function (message, source, line) {
          document.getElementById("errors").textContent += "script error: " + message + " (line " + line + ")\n";
          document.body.dataset.errors = "yes";
        };
        (function () {
          const D = JSON.parse(document.getElementById("data").textContent);
          const S = D.summary;
          const NS = "http://www.w3.org/2000/svg";
          const $ = (id) => document.getElementById(id);
          function el(tag, attrs, text) {
            const e = document.createElement(tag);
            for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
            if (text !== undefined && text !== null) e.textContent = String(text);
            return e;
          }
          function sv(tag, attrs, text) {
            const e = document.createElementNS(NS, tag);
            for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
            if (text !== undefined) e.textContent = String(text);
            return e;
          }
          function ms(v) {
            if (v >= 60000) return (v / 60000).toFixed(1) + " min";
            if (v >= 1000) return (v / 1000).toFixed(2) + " s";
            return v.toFixed(1) + " ms";
          }
          function num(v) { return Number(v).toLocaleString("en-US"); }
          function bytes(v) {
            const u = ["B", "KB", "MB", "GB", "TB"]; let i = 0;
            while (v >= 1000 && i < u.length - 1) { v /= 1000; i++; }
            return v.toFixed(i ? 1 : 0) + " " + u[i];
          }
          function row(table, cells) {
            const tr = el("tr");
            for (const c of cells) { const td = el("td", c.cls ? { class: c.cls } : {}, c.text); tr.appendChild(td); }
            table.querySelector("tbody").appendChild(tr);
            return tr;
          }

          // Header
          $("title").textContent = "fanout " + D.title;
          const meta = $("meta");
          const line = (label, value) => { const d = el("div"); d.appendChild(document.createTextNode(label + " ")); d.appendChild(el("code", {}, value)); meta.appendChild(d); };
          line("command", D.command);
          line("host", D.host);
          line("from", (S.started || "-") + " to " + (S.ended || "-") + " (" + ms(S.span_ms) + ")");
          line("fanout", D.version + " on " + D.runtime);
          if (D.sources.length) line("records from", D.sources.join(", "));

          // Figures
          const cards = $("cards");
          function card(id, label, value, attrs, bad) {
            const c = el("div", { class: "card" + (bad ? " bad" : "") });
            const v = el("div", Object.assign({ class: "v", id: id }, attrs || {}), value);
            c.appendChild(v); c.appendChild(el("div", { class: "l" }, label)); cards.appendChild(c);
          }
          card("count-items", "items", num(S.items), { "data-value": S.items });
          card("count-ok", "ok", num(S.ok), { "data-value": S.ok });
          card("count-failed", "failed", num(S.failed), { "data-value": S.failed }, S.failed > 0);
          card("count-workers", "workers", num(S.workers), { "data-value": S.workers });
          card("rate", "items/s", S.rate.toFixed(1), { "data-value": S.rate });
          card("p50", "p50", ms(S.p50), { "data-ms": S.p50 });
          card("p90", "p90", ms(S.p90), { "data-ms": S.p90 });
          card("p99", "p99", ms(S.p99), { "data-ms": S.p99 });
          card("max", "slowest", ms(S.max), { "data-ms": S.max });
          if (S.attempts > S.items) card("count-attempts", "attempts", num(S.attempts), { "data-value": S.attempts });
          if (S.bytes !== undefined) card("bytes-per-s", "bytes/s (" + bytes(S.bytes) + " in all)", bytes(S.bytes_per_s) + "/s", { "data-value": S.bytes_per_s });
          if (S.stored !== undefined) {
            card("rows-per-s", "rows/s (" + num(S.stored) + " stored)", num(Math.round(S.rows_per_s)), { "data-value": S.rows_per_s });
            card("rows-rejected", "rows rejected", num(S.rejected), { "data-value": S.rejected }, S.rejected > 0);
            if (S.not_loaded) card("rows-not-loaded", "rows not loaded", num(S.not_loaded), { "data-value": S.not_loaded }, true);
          }
          if (S.invalid) card("count-invalid", "unreadable records", num(S.invalid), { "data-value": S.invalid }, true);

          // Tooltip: hover shows, click pins (click elsewhere unpins)
          const tip = $("tip");
          let pinned = false;
          function show(detail, x, y) {
            tip.textContent = "";
            const add = (k, v) => { if (v === null || v === undefined || v === "") return; const d = el("div"); d.appendChild(el("b", {}, k)); d.appendChild(document.createTextNode(String(v))); tip.appendChild(d); };
            add("key", detail.key);
            add("outcome", detail.ok ? "ok" : "failed");
            add("started", detail.started_at + " (+" + ms(detail.at_ms) + ")");
            add("time", ms(detail.elapsed_ms));
            add("queued", ms(detail.queued_ms));
            add("worker", detail.worker);
            add("attempts", detail.attempts);
            add("code", detail.code);
            add("error", detail.error);
            add("error kind", detail.error_kind);
            tip.style.display = "block";
            tip.style.left = Math.min(x + 12, window.innerWidth - 540) + "px";
            tip.style.top = (y + 12) + "px";
          }
          document.addEventListener("click", (e) => { if (!e.target.classList || !e.target.classList.contains("bar")) { pinned = false; tip.classList.remove("pinned"); tip.style.display = "none"; } });

          // Timeline: one lane per worker
          const T = D.timeline, W = 1000, left = 40;
          const laneH = Math.max(2, Math.min(18, Math.floor(360 / Math.max(1, T.lanes))));
          const span = Math.max(S.span_ms, 1);
          const H = T.lanes * laneH + 24;
          const x = (t) => left + (W - left - 4) * t / span;
          const tl = sv("svg", { viewBox: "0 0 " + W + " " + H, id: "timeline-svg" });
          for (let i = 0; i <= 5; i++) {
            const t = span * i / 5, g = sv("g", { class: "axis" });
            g.appendChild(sv("line", { x1: x(t), x2: x(t), y1: 0, y2: H - 18 }));
            g.appendChild(sv("text", { x: x(t), y: H - 6, "text-anchor": i === 5 ? "end" : "middle" }, ms(t)));
            tl.appendChild(g);
          }
          const lanes = [];
          for (let l = 0; l < T.lanes; l++) {
            const g = sv("g", { class: "lane", "data-lane": T.lane_names[l] });
            if (laneH >= 9) g.appendChild(sv("text", { class: "lane-name", x: left - 4, y: l * laneH + laneH - 2, "text-anchor": "end" }, T.lane_names[l]));
            tl.appendChild(g); lanes.push(g);
          }
          if (T.mode === "items") {
            for (const b of T.bars) {
              const r = sv("rect", { class: "bar o" + b[3], x: x(b[1]).toFixed(2), y: b[0] * laneH + 1, width: Math.max(0.6, x(b[1] + b[2]) - x(b[1])).toFixed(2), height: Math.max(1, laneH - 2) });
              if (b[4] >= 0) {
                const detail = T.details[b[4]];
                r.addEventListener("mousemove", (e) => { if (!pinned) show(detail, e.clientX, e.clientY); });
                r.addEventListener("mouseleave", () => { if (!pinned) tip.style.display = "none"; });
                r.addEventListener("click", (e) => { pinned = true; tip.classList.add("pinned"); show(detail, e.clientX, e.clientY); e.stopPropagation(); });
              }
              lanes[b[0]].appendChild(r);
            }
            $("timeline-note").textContent = "One bar per item; hover for its key, times and error, click to keep it open.";
          } else {
            const bw = (W - left - 4) / T.buckets;
            for (let l = 0; l < T.lanes; l++) {
              for (let b = 0; b < T.buckets; b++) {
                const busy = T.busy[l][b], failed = T.failed[l][b];
                if (busy === 0 && failed === 0) continue;
                lanes[l].appendChild(sv("rect", { class: "bar o" + (failed ? 1 : 0), x: (left + b * bw).toFixed(2), y: l * laneH + 1, width: Math.max(0.6, bw - 0.2).toFixed(2), height: Math.max(1, laneH - 2), "fill-opacity": failed ? 1 : Math.max(0.08, busy / 1000).toFixed(3) }));
              }
            }
            $("timeline-note").textContent = num(S.items) + " items: each lane shows how busy its worker was in each " + ms(T.bucket_ms) + " (darker is busier), red where items failed. Failures and the slowest items are listed exactly below.";
          }
          $("timeline").dataset.lanes = T.lanes;
          $("timeline").appendChild(tl);

          // Concurrency and throughput over time (and the -j auto limit)
          const Q = D.series, SH = 220, top = 10, bottom = 24;
          const sx = (i) => left + (W - left - 44) * i / Math.max(1, Q.concurrency.length);
          const cmax = Math.max(1, ...Q.concurrency, ...Q.limit.map((p) => p[1]));
          const tmax = Math.max(1, ...Q.throughput);
          const cy = (v) => top + (SH - top - bottom) * (1 - v / cmax);
          const ty = (v) => top + (SH - top - bottom) * (1 - v / tmax);
          const ss = sv("svg", { viewBox: "0 0 " + W + " " + SH, id: "series-svg" });
          for (let i = 0; i <= 4; i++) {
            const g = sv("g", { class: "axis" });
            g.appendChild(sv("line", { x1: left, x2: W - 44, y1: cy(cmax * i / 4), y2: cy(cmax * i / 4) }));
            g.appendChild(sv("text", { x: left - 4, y: cy(cmax * i / 4) + 3, "text-anchor": "end" }, (cmax * i / 4).toFixed(cmax < 8 ? 1 : 0)));
            g.appendChild(sv("text", { x: W - 40, y: ty(tmax * i / 4) + 3 }, (tmax * i / 4).toFixed(0) + "/s"));
            ss.appendChild(g);
          }
          const poly = (pts, color, dash, id) => ss.appendChild(sv("polyline", { id: id, points: pts.join(" "), fill: "none", stroke: color, "stroke-width": 1.6, "stroke-dasharray": dash || "" }));
          poly(Q.concurrency.map((v, i) => sx(i + 0.5).toFixed(1) + "," + cy(v).toFixed(1)), "#3b6fd4", "", "concurrency-line");
          poly(Q.throughput.map((v, i) => sx(i + 0.5).toFixed(1) + "," + ty(v).toFixed(1)), "#8a5cd1", "4 3", "throughput-line");
          if (Q.limit.length) {
            const lx = (t) => left + (W - left - 44) * Math.min(1, t / span);
            const pts = [];
            Q.limit.forEach((p, i) => { if (i) pts.push(lx(p[0]).toFixed(1) + "," + cy(Q.limit[i - 1][1]).toFixed(1)); pts.push(lx(p[0]).toFixed(1) + "," + cy(p[1]).toFixed(1)); });
            pts.push(lx(span).toFixed(1) + "," + cy(Q.limit[Q.limit.length - 1][1]).toFixed(1));
            poly(pts, "#e6952e", "", "limit-line");
          }
          $("series").appendChild(ss);
          const sl = el("div", { class: "legend" });
          const key = (color, text) => { const s = el("span"); const i = el("i"); i.style.background = color; s.appendChild(i); s.appendChild(document.createTextNode(text)); sl.appendChild(s); };
          key("#3b6fd4", "items running (left axis)");
          key("#8a5cd1", "items finished per second (right axis, dashed)");
          if (Q.limit.length) key("#e6952e", "-j auto limit (left axis)");
          $("series").appendChild(sl);

          // Latency histogram with p50, p90, p99
          const Hh = D.histogram;
          if (Hh.counts) {
            const HH = 200, bins = Hh.counts.length, hmax = Math.max(...Hh.counts);
            const hs = sv("svg", { viewBox: "0 0 " + W + " " + HH, id: "histogram-svg" });
            const bx = (i) => left + (W - left - 10) * i / bins;
            const pos = (v) => {
              for (let i = 0; i < bins; i++) if (v <= Hh.edges[i + 1]) {
                const a = Hh.log ? Math.log(Math.max(v, Hh.edges[i])) - Math.log(Hh.edges[i]) : v - Hh.edges[i];
                const w = Hh.log ? Math.log(Hh.edges[i + 1]) - Math.log(Hh.edges[i]) : Hh.edges[i + 1] - Hh.edges[i];
                return bx(i + (w > 0 ? Math.max(0, a) / w : 0));
              }
              return bx(bins);
            };
            Hh.counts.forEach((c, i) => {
              const h = (HH - 40) * c / Math.max(1, hmax);
              const r = sv("rect", { class: "hbar", x: bx(i) + 0.5, width: Math.max(1, bx(i + 1) - bx(i) - 1), y: HH - 24 - h, height: h });
              r.appendChild(sv("title", {}, num(c) + " items from " + ms(Hh.edges[i]) + " to " + ms(Hh.edges[i + 1])));
              hs.appendChild(r);
            });
            [[S.p50, "p50"], [S.p90, "p90"], [S.p99, "p99"]].forEach(([v, name], k) => {
              const px = pos(v);
              hs.appendChild(sv("line", { x1: px, x2: px, y1: 8, y2: HH - 24, stroke: "#1f2328", "stroke-dasharray": "3 3" }));
              hs.appendChild(sv("text", { x: px + 3, y: 14 + k * 12, class: "lane-name" }, name + " " + ms(v)));
            });
            const g = sv("g", { class: "axis" });
            for (let i = 0; i <= 4; i++) {
              const e = Math.round(i * bins / 4);
              g.appendChild(sv("text", { x: bx(e), y: HH - 8, "text-anchor": i === 0 ? "start" : i === 4 ? "end" : "middle" }, ms(Hh.edges[e])));
            }
            hs.appendChild(g);
            $("histogram").appendChild(hs);
            $("histogram").appendChild(el("p", { class: "note" }, (Hh.log ? "Logarithmic" : "Linear") + " bins from the fastest to the slowest item."));
          }

          // Per job: tests
          if (D.tests.length) {
            const job = $("job");
            job.appendChild(el("h2", {}, "Tests"));
            const t = el("table", { id: "tests" });
            t.appendChild(el("thead")).appendChild(el("tr")).append(el("th", {}, "outcome"), el("th", {}, "tests"));
            t.appendChild(el("tbody"));
            job.appendChild(t);
            for (const [name, count] of D.tests) row(t, [{ text: name }, { text: num(count), cls: "n" }]);
          }

          // Codes, failures, slowest
          for (const [code, count] of D.codes) row($("codes"), [{ text: code }, { text: num(count), cls: "n" }]);
          if (!D.codes.length) row($("codes"), [{ text: "(the records carry no status or exit code)" }, { text: "" }]);
          for (const f of D.failures) {
            const tr = row($("failures"), [{ text: f.error, cls: "t" }, { text: f.kind || "" }, { text: num(f.count), cls: "n" }, { text: f.examples.map((e) => e.key).join("\n"), cls: "t" }]);
            tr.lastChild.style.whiteSpace = "pre-wrap";
          }
          if (!D.failures.length) row($("failures"), [{ text: "none" }, { text: "" }, { text: "" }, { text: "" }]);
          for (const s of D.slowest) row($("slowest"), [{ text: s.key, cls: "t" }, { text: ms(s.elapsed_ms), cls: "n" }, { text: s.worker }, { text: s.started_at }, { text: s.attempts, cls: "n" }, { text: s.ok ? "ok" : "failed: " + (s.error || "") }]);
          document.body.dataset.rendered = "ok";
        })();
        </script>
        </body>
        </html>
        """;
}
