#!/usr/bin/env python3
"""Check that every attention viewer on a page reacts to the mouse, offline, in a real browser.

For each .html page given (or found in a folder given) that holds an attention viewer (a div of class
"attnlab-viewer", see org.attnlab.viz.AttentionViewer), a copy of the page with a small driver script is opened in
headless Chromium with no network (the same flags as check_figures.py). The driver plays a user on each viewer,
through the page's DOM only: it finds the element under the centre of a token with elementFromPoint and dispatches
real mouse events there (mouseover, mouseleave, click), clicks a head's thumbnail, flips the hover toggle, changes
the layer selector, and after each step records what is shown: each token's text and computed background colour,
which token carries the focus mark, the selected layer, head and thumbnail. It writes that record into the page,
which --dump-dom prints. This script then compares every step with the weights in the viewer's own JSON:

  * the viewer built itself (its script ran without errors) and each token shows its text literally (<s> as <s>);
  * before a hover nothing is shaded; hovering token t shades each token by w[t][k] (as query) or, after the toggle,
    by w[k][t] (as key): darker for a larger weight, white for zero; the hovered token carries the focus mark;
  * clicking head h's thumbnail selects head h (selector, thumbnail, shading); the layer selector switches layer;
  * the mouse leaving clears the shading; a clicked (pinned) token keeps its shading while another is hovered;
  * hovering one viewer changes nothing in another viewer on the page.

Exits 1 with a report if anything is wrong, 2 on bad usage (or no viewer at all, unless --min-viewers 0).
--summary FILE appends 'viewer check<TAB>passed<TAB>failed' (viewers) for tools/total_summary.py; --screenshot PNG
writes an image of the (first) page after the driver's last step: a hover on token 3 of each viewer.

Python 3 standard library only.
"""
import argparse
import html
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_figures import find_chromium, run_chromium  # noqa: E402

VIEWER_CLASS = "attnlab-viewer"
RESULT_ID = "attnlab-viewer-check"

# Installed first in <head>: records script errors of the page (the viewer's own included).
ERRORS_JS = ("<script>window.__viewerCheckErrors=[];window.addEventListener('error',function(e){"
             "window.__viewerCheckErrors.push(String(e.message||e));});</script>")

# Appended at the end of <body>: plays the steps on every viewer once scripts have run, writes the record.
DRIVER_JS = r"""<script>
(function(){
function centre(e){var r=e.getBoundingClientRect();return [r.left+r.width/2,r.top+r.height/2];}
function fire(target,type,related){var ev=new MouseEvent(type,{bubbles:type!=='mouseleave'&&type!=='mouseenter',cancelable:true,view:window,relatedTarget:related||null});target.dispatchEvent(ev);}
// what the mouse would hit at the token's centre (scrolled into view): the element under the pointer, not the token itself
function under(e){e.scrollIntoView({block:'center'});var c=centre(e);return document.elementFromPoint(c[0],c[1]);}
function hoverTok(v,i){var t=v.querySelectorAll('.av-tok')[i];var h=under(t)||t;fire(h,'mouseover');fire(h,'mousemove');return h===t||t.contains(h);}
function leave(v){var c=v.querySelector('.av-toks');fire(c,'mouseout',document.body);fire(c,'mouseleave',document.body);}
function click(e){var h=under(e)||e;fire(h,'mousedown');fire(h,'mouseup');fire(h,'click');}
function state(v,name,intent,hit){
  var toks=[].slice.call(v.querySelectorAll('.av-tok'));
  var thumbs=[].slice.call(v.querySelectorAll('.av-thumb'));
  var sel=function(c){var s=v.querySelector(c);return s?s.value:null;};
  return {step:name,intent:intent,hit:hit,
    texts:toks.map(function(t){return t.textContent;}),
    colors:toks.map(function(t){return getComputedStyle(t).backgroundColor;}),
    focus:toks.map(function(t,i){return t.classList.contains('av-focus')?i:-1;}).filter(function(i){return i>=0;}),
    layerSel:sel('select.av-layer'),headSel:sel('select.av-head'),
    thumbs:thumbs.length,selectedThumb:thumbs.map(function(t,i){return t.classList.contains('av-selected')?i:-1;}).filter(function(i){return i>=0;})};
}
function others(all,v){var out=[];all.forEach(function(o){if(o!==v){[].slice.call(o.querySelectorAll('.av-tok')).forEach(function(t){out.push(getComputedStyle(t).backgroundColor);});}});return out;}
function run(){
  var all=[].slice.call(document.querySelectorAll('div.__VIEWER_CLASS__'));
  var rec={errors:(window.__viewerCheckErrors||[]).slice(),viewers:[]};
  all.forEach(function(v){
    var r={id:v.id,ready:v.getAttribute('data-ready')==='1',data:null,steps:[]};rec.viewers.push(r);
    var d=document.getElementById(v.id+'-data');r.data=d?d.textContent:null;
    if(!r.ready||!r.data){return;}
    var D=JSON.parse(r.data),L=D.tokens.length,li=D.layer,h=D.head,t=Math.min(3,L-1),k=Math.min(1,L-1);
    var mode=D.hover,pin=D.focus;
    r.steps.push(state(v,'as opened',{layer:li,head:h,hover:mode,focus:pin}));
    var q=v.querySelector('input.av-mode-query'),kk=v.querySelector('input.av-mode-key');
    if(pin!=null){click(v.querySelectorAll('.av-tok')[pin]);pin=null;leave(v);
      r.steps.push(state(v,'pinned token clicked again (unpinned)',{layer:li,head:h,hover:mode,focus:null}));}
    if(mode!=='query'){click(q);mode='query';}
    r.othersBefore=others(all,v);
    var hit=hoverTok(v,t);
    r.steps.push(state(v,'hover token '+t,{layer:li,head:h,hover:'query',focus:t},hit));
    r.othersAfter=others(all,v);
    click(kk);hit=hoverTok(v,k);
    r.steps.push(state(v,'toggle to key, hover token '+k,{layer:li,head:h,hover:'key',focus:k},hit));
    var nh=D.layers[li].heads.length;
    if(nh>1){var h2=(h+1)%nh;click(v.querySelectorAll('.av-thumb')[h2]);h=h2;}
    click(q);hit=hoverTok(v,t);
    r.steps.push(state(v,'click head '+h+' thumbnail, toggle to query, hover token '+t,{layer:li,head:h,hover:'query',focus:t},hit));
    if(D.layers.length>1){var s=v.querySelector('select.av-layer');li=(li+1)%D.layers.length;s.value=String(li);
      s.dispatchEvent(new Event('change',{bubbles:true}));h=Math.min(h,D.layers[li].heads.length-1);hit=hoverTok(v,t);
      r.steps.push(state(v,'layer selector to '+D.layers[li].label+', hover token '+t,{layer:li,head:h,hover:'query',focus:t},hit));}
    leave(v);
    r.steps.push(state(v,'mouse leaves the tokens',{layer:li,head:h,hover:'query',focus:null}));
    var p=Math.max(0,L-1);click(v.querySelectorAll('.av-tok')[p]);hit=hoverTok(v,0);
    r.steps.push(state(v,'click token '+p+' (pin), hover token 0',{layer:li,head:h,hover:'query',focus:p},hit));
    click(v.querySelectorAll('.av-tok')[p]);leave(v);
    hoverTok(v,t);  // the last state, for a screenshot: hovering token t
  });
  rec.errors=(window.__viewerCheckErrors||[]).slice();
  var pre=document.createElement('pre');pre.id='__RESULT_ID__';pre.style.display='none';pre.textContent=JSON.stringify(rec);
  document.body.appendChild(pre);
}
window.addEventListener('load',function(){setTimeout(run,200);});
})();
</script>""".replace("__VIEWER_CLASS__", VIEWER_CLASS).replace("__RESULT_ID__", RESULT_ID)


def display(token):
    """A token as the viewer writes it: empty as the empty-set sign, newline and tab as arrows, the rest literal."""
    return "\u2205" if token == "" else token.replace("\n", "\u21b5").replace("\t", "\u21e5")


def darkness(css_color):
    """1 - relative luminance of a CSS rgb()/rgba() colour over white: 0 for white, ~1 for black."""
    m = re.match(r"rgba?\(([^)]*)\)", css_color or "")
    if not m:
        return None
    parts = [float(p) for p in re.split(r"[,\s/]+", m.group(1).strip()) if p]
    r, g, b = parts[:3]
    a = parts[3] if len(parts) > 3 else 1.0
    r, g, b = (a * c + (1 - a) * 255 for c in (r, g, b))
    return 1 - (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255


def expected_weights(data, intent):
    """The weights a step should show, per token: row `focus` (as query) or column `focus` (as key); zeros if none."""
    n = len(data["tokens"])
    f = intent.get("focus")
    if f is None:
        return [0.0] * n
    head = data["layers"][intent["layer"]]["heads"][intent["head"]]
    scale = float(data["scale"])
    if intent["hover"] == "query":
        return [head[f * n + k] / scale for k in range(n)]
    return [head[q * n + f] / scale for q in range(n)]


def shading_problems(weights, colors):
    """Compares shown colours with weights: white for ~0, shaded for a clear weight, darker for a larger one."""
    dark = [darkness(c) for c in colors]
    problems = []
    for i, (w, d) in enumerate(zip(weights, dark)):
        if d is None:
            problems.append("token %d has no readable background colour (%r)" % (i, colors[i]))
        elif w < 0.003 and d > 0.03:
            problems.append("token %d is shaded (darkness %.2f) but its weight is %.3f" % (i, d, w))
        elif w >= 0.05 and d < 0.02:
            problems.append("token %d is not shaded but its weight is %.3f" % (i, w))
    if problems:
        return problems[:5]
    for i in range(len(weights)):
        for j in range(len(weights)):
            if weights[i] - weights[j] > 0.05 and not dark[i] > dark[j]:
                problems.append("token %d (weight %.3f) is not darker than token %d (weight %.3f): %.2f vs %.2f"
                                % (i, weights[i], j, weights[j], dark[i], dark[j]))
    return problems[:5]


def check_viewer(v):
    """Problems of one viewer's record (from the driver)."""
    problems = []
    if not v.get("ready"):
        return ["the viewer did not build itself (no data-ready: its script did not run or failed)"]
    data = json.loads(v["data"])
    want_texts = [display(t) for t in data["tokens"]]
    steps = v.get("steps", [])
    if len(steps) < 5:
        return ["the driver recorded %d steps, expected at least 5" % len(steps)]
    for s in steps:
        where = "step '%s'" % s["step"]
        intent = s["intent"]
        if s["texts"] != want_texts:
            bad = [i for i, (a, b) in enumerate(zip(s["texts"], want_texts)) if a != b]
            i = bad[0] if bad else min(len(s["texts"]), len(want_texts))
            problems.append("%s: token %d shows %r but the token is %r (%d tokens shown, %d in the data)"
                            % (where, i, s["texts"][i] if i < len(s["texts"]) else None,
                               want_texts[i] if i < len(want_texts) else None, len(s["texts"]), len(want_texts)))
            continue
        if s.get("hit") is False:
            problems.append("%s: the point under the token's centre is not the token (something covers it)" % where)
        want_focus = [] if intent["focus"] is None else [intent["focus"]]
        if s["focus"] != want_focus:
            problems.append("%s: the focus mark is on tokens %s, expected %s" % (where, s["focus"], want_focus))
        if s["layerSel"] != str(intent["layer"]) or s["headSel"] != str(intent["head"]):
            problems.append("%s: the selectors show layer index %s head %s, expected %s head %s"
                            % (where, s["layerSel"], s["headSel"], intent["layer"], intent["head"]))
        heads = len(data["layers"][intent["layer"]]["heads"])
        if s["thumbs"] != heads or s["selectedThumb"] != [intent["head"]]:
            problems.append("%s: %d head thumbnails with %s selected, expected %d with [%d] selected"
                            % (where, s["thumbs"], s["selectedThumb"], heads, intent["head"]))
        for p in shading_problems(expected_weights(data, intent), s["colors"]):
            problems.append("%s (%s, head %d, hover as %s): %s"
                            % (where, data["layers"][intent["layer"]]["label"], intent["head"], intent["hover"], p))
    hovered = [s for s in steps if s["intent"]["focus"] is not None and s["step"].startswith("hover")]
    if hovered and all((darkness(c) or 0) < 0.02 for c in hovered[0]["colors"]):
        problems.append("hovering a token shaded nothing")
    changed = sum(1 for a, b in zip(v.get("othersBefore", []), v.get("othersAfter", [])) if a != b)
    if changed:
        problems.append("hovering this viewer changed the shading of %d tokens of another viewer on the page" % changed)
    return problems


def driven_page(page):
    """A copy of `page` beside it (relative scripts still load) with the error catcher and the driver added."""
    with open(page, encoding="utf-8") as f:
        text = f.read()
    if re.search(r"<head[^>]*>", text, re.I):
        text = re.sub(r"(<head[^>]*>)", lambda m: m.group(1) + ERRORS_JS, text, count=1, flags=re.I)
    else:
        text = ERRORS_JS + text
    idx = text.lower().rfind("</body>")
    text = text[:idx] + DRIVER_JS + text[idx:] if idx >= 0 else text + DRIVER_JS
    fd, path = tempfile.mkstemp(prefix=".viewer-check-", suffix=".html", dir=os.path.dirname(os.path.abspath(page)))
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def read_record(dom):
    m = re.search(r'<pre id="%s"[^>]*>(.*?)</pre>' % RESULT_ID, dom, re.S)
    return json.loads(html.unescape(m.group(1))) if m else None


def check_page(page, chromium, budget_ms, timeout, screenshot=None):
    """(viewers passed, viewers failed, report lines) for one page."""
    driven = driven_page(page)
    try:
        dom, err = run_chromium(chromium, driven, ["--virtual-time-budget=%d" % budget_ms, "--dump-dom"], timeout)
        if screenshot:
            run_chromium(chromium, driven, ["--virtual-time-budget=%d" % budget_ms, "--window-size=1200,900",
                                            "--screenshot=" + os.path.abspath(screenshot)], timeout)
    finally:
        os.unlink(driven)
    rec = read_record(dom)
    if rec is None:
        return 0, 1, ["the driver wrote no record (page scripts did not run?); Chromium stderr: %s" % err.strip()[-300:]]
    lines, passed, failed = [], 0, 0
    for e in rec.get("errors", []):
        lines.append("script error on the page: %s" % e)
    for v in rec["viewers"]:
        problems = check_viewer(v)
        if rec.get("errors"):
            problems = problems + ["the page had script errors (above)"]
        if problems:
            failed += 1
            lines.append("viewer %s:" % v["id"])
            lines.extend("  - " + p for p in problems)
        else:
            passed += 1
            n = len(json.loads(v["data"])["tokens"])
            lines.append("viewer %s: %d tokens, %d steps ok" % (v["id"], n, len(v["steps"])))
    return passed, failed, lines


def pages_of(paths):
    out, missing = [], []
    for p in paths:
        if os.path.isdir(p):
            out.extend(os.path.join(p, f) for f in sorted(os.listdir(p))
                       if f.endswith(".html") and not f.startswith(".viewer-check-"))
        elif os.path.isfile(p):
            out.append(p)
        else:
            missing.append(p)
    return out, missing


def has_viewer(page):
    with open(page, encoding="utf-8", errors="replace") as f:
        return ('class="%s"' % VIEWER_CLASS) in f.read()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="+", help=".html pages, or folders of them (pages without a viewer are skipped)")
    ap.add_argument("--min-viewers", type=int, default=1, help="fail unless at least this many viewers were checked")
    ap.add_argument("--summary", help="append 'viewer check<TAB>passed<TAB>failed' to this file")
    ap.add_argument("--screenshot", help="write a PNG of the first page with a viewer, after the last hover")
    ap.add_argument("--budget-ms", type=int, default=10000, help="virtual time for scripts to run (ms)")
    ap.add_argument("--timeout", type=int, default=180, help="wall-clock limit per Chromium run (s)")
    args = ap.parse_args(argv)

    chromium = find_chromium()
    if not chromium:
        print("check_viewer: no chromium found (Debian: apt-get install -y chromium)", file=sys.stderr)
        return 2
    pages, missing = pages_of(args.paths)
    for m in missing:
        print("check_viewer: %s does not exist" % m, file=sys.stderr)
    passed = failed = 0
    shot = args.screenshot
    for page in pages:
        if not has_viewer(page):
            continue
        try:
            p, f, lines = check_page(page, chromium, args.budget_ms, args.timeout, shot)
        except subprocess.TimeoutExpired:
            p, f, lines = 0, 1, ["Chromium did not finish within %d s" % args.timeout]
        shot = None
        passed, failed = passed + p, failed + f
        print("%s %s" % ("ok  " if not f else "FAIL", page))
        for line in lines:
            print("       " + line)
    if passed + failed < args.min_viewers:
        print("check_viewer: %d viewers found, expected at least %d" % (passed + failed, args.min_viewers))
        failed += 1
    if missing:
        failed += 1
    print("check_viewer: %d viewers passed, %d failed" % (passed, failed))
    if args.summary:
        with open(args.summary, "a", encoding="utf-8") as f:
            f.write("viewer check\t%d\t%d\n" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
