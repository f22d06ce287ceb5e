// The Velocity sandbox on its own: the allowlist check with the place of each problem, the
// values the engine is given, and the limits of a render.
import { describe, expect, it } from "vitest";
import { checkVelocity, VELOCITY_LIMITS } from "../../shared/render/velocity-check.ts";
import { renderVelocitySandboxed, sandboxData } from "../../shared/render/velocity-sandbox.ts";
import { TemplateError } from "../../shared/render/template-safety.ts";

const render = (template: string, values: Record<string, unknown> = {}, html = false) =>
  renderVelocitySandboxed(template, values, { html });

function refusal(fn: () => unknown): TemplateError {
  try {
    fn();
  } catch (error) {
    if (error instanceof TemplateError) return error;
    throw error;
  }
  throw new Error("expected a TemplateError");
}

describe("the allowlist check", () => {
  it("passes what templates are for: references, conditions, loops, assignments, interpolated strings", () => {
    const template = [
      "Hi ${user.name}! $!missing",
      '#set($greeting = "Dear $user.name")$greeting',
      "#if($user.vip && $total >= 100)VIP#elseif(!$user.vip)regular#{else}other#end",
      "#foreach($item in $items)$velocityCount. $item.title ($item['price']) $items[0].title #if($foreach.hasNext),#end#end",
      "#foreach($i in [1..3])$i#end #foreach($i in [$a, 'b', 3])$i#end",
      "#set($n = ($total + 5) * 2 - 1)$n ## a comment",
      "#[[ raw $text ]]#",
    ].join("\n");
    expect(checkVelocity(template)).toEqual([]);
  });

  it("reports every problem with its line and column", () => {
    const template = "Hello\n  $x.getClass()\n#parse('a.vm')\n#set($a.b = 1) #set($m = {'k': 1})\n#define($d)x#end";
    expect(checkVelocity(template)).toEqual([
      { message: "$x.getClass() calls a method; templates may only read values", line: 2, column: 3 },
      { message: "#parse(...) is not allowed; templates may use $references, #if, #elseif, #else, #foreach and #set", line: 3, column: 1 },
      { message: "#set may only assign a plain variable such as $name, not $a.b", line: 4, column: 1 },
      { message: "maps ({...}) are not allowed; use a list or a value from the substitutions", line: 4, column: 16 },
      { message: "#define is not allowed; templates may use $references, #if, #elseif, #else, #foreach and #set", line: 5, column: 1 },
    ]);
  });

  it("gives the line and column of a syntax error, where the parser points", () => {
    expect(checkVelocity("ok\n#if($a == )yes#end")).toEqual([{ message: 'syntax error: unexpected ")"', line: 2, column: 8 }]);
  });

  it("looks inside interpolated strings, which the engine renders as templates of their own", () => {
    expect(checkVelocity("#set($a = \"#set($b = $c.__lookupGetter__('x'))\")")).toEqual([
      { message: "$c.__lookupGetter__('x') calls a method; templates may only read values", line: 1, column: 1 },
    ]);
  });

  it("refuses names a prototype answers to, as references, properties, loop variables and index keys", () => {
    for (const template of [
      "$__proto__",
      "$a.hasOwnProperty",
      "#foreach($constructor in $l)#end",
      "$a['__defineGetter__']",
      "#set($valueOf = 1)",
      "$a.prototype",
    ]) {
      expect(checkVelocity(template)[0]?.message, template).toMatch(/is not a name templates may use$/);
    }
  });

  it("refuses #break, #stop-like macros, #noescape, #@ body macros and ranges over the limit", () => {
    expect(checkVelocity("#foreach($i in $l)#break#end")[0].message).toMatch(/^#break is not allowed/);
    expect(checkVelocity("#stop()")[0].message).toMatch(/^#stop\(\.\.\.\) is not allowed/);
    expect(checkVelocity("#noescape()$x#end")[0].message).toMatch(/^#noescape is not allowed/);
    expect(checkVelocity("#@m()x#end")[0].message).toMatch(/^#@m is not allowed/);
    expect(checkVelocity("#set($r = [10001..0])")[0].message).toBe("the range [10001..0] has 10,002 numbers; at most 10,000 are allowed");
  });

  it("refuses a template with more references and directives than the parser gets through quickly, before parsing it", () => {
    const template = `${"<td>$name $id</td>\n".repeat(999)}#if($vip)VIP#end`;
    expect(checkVelocity(template)).toEqual([
      { message: "a Velocity template may hold at most 2,000 $ and # that begin a reference or a directive; this one has 2,001" },
    ]);
    expect(checkVelocity(template.slice(template.indexOf("\n") + 1))).toEqual([]);
  });

  it("takes a realistic 50 KB HTML template whose inline CSS has thousands of # colours, and keeps them as written", () => {
    const template = newsletter();
    expect(template.length).toBeGreaterThan(50_000);
    expect(template.split("#").length - 1).toBeGreaterThan(3_000);
    expect(checkVelocity(template)).toEqual([]);
    const html = render(template, { name: "Ann", items: [{ title: "Tea", price: "$4" }] }, true).output;
    expect(html).toContain('<td style="color:#336699;background-color:#fafafa;border:1px solid #e0e0e0">Row 0</td>');
    expect(html).toContain("Hello Ann, your order: Tea ($4)");
    expect(html).toContain("Price: $ 10 or US$10, #1 in sales, item #fff-0");
  });

  it("is not slowed by # and $ that begin nothing: 200,000 of them are plain text", () => {
    const template = `${"#a1 $5 # $ ".repeat(50_000)}$name`;
    expect(checkVelocity(template)).toEqual([]);
    expect(render(template, { name: "Ann" }).output).toBe(`${"#a1 $5 # $ ".repeat(50_000)}Ann`);
  });

  it("still sees a reference or a directive wherever the parser would", () => {
    const values = { a: true, x: "X" };
    expect(render("#set($n = 1)$n #if ($a)yes#end #if(!$a)no#{else}braced#{end} $!{x}|${x}|$x", values).output).toBe("1 yes braced X|X|X");
    expect(render("a #* hidden *# b ## gone\nc #[[ $raw ]]# end", values).output).toBe("a  b c  $raw  end");
    expect(checkVelocity("#foo()")[0].message).toMatch(/^#foo\(\.\.\.\) is not allowed/);
    expect(checkVelocity("x #foo ()")[0].message).toMatch(/^#foo\(\.\.\.\) is not allowed/);
    expect(checkVelocity("#@m()x#end")[0].message).toMatch(/^#@m is not allowed/);
    expect(checkVelocity("#{else}")[0].message).toBe("#else belongs inside #if ... #end");
    expect(checkVelocity("#if($a")[0].message).toMatch(/^syntax error: the template ends inside a directive/);
  });

  it("refuses a block without its #end, and an #end without its block, where velocityjs would repeat or drop text", () => {
    expect(checkVelocity("Hi\n#if($vip)VIP $name")).toEqual([{ message: "#if is never closed: a missing #end?", line: 2, column: 1 }]);
    expect(checkVelocity("#foreach($i in $l)\n  #if($i)x#end")).toEqual([
      { message: "#foreach is never closed: a missing #end?", line: 1, column: 1 },
    ]);
    expect(checkVelocity("#if($a)x#end\nlost #end tail")).toEqual([
      { message: "#end without a matching #if or #foreach", line: 2, column: 6 },
    ]);
    expect(checkVelocity("#* #end *# #[[ #if ]]# ## #end\nok")).toEqual([]);
  });
});

/** A marketing mail as editors build them: a style block and inline styles full of # colours, and a little Velocity. */
function newsletter(): string {
  const colours = ["#336699", "#fafafa", "#e0e0e0", "#fff", "#000000", "#c0392b"];
  const rules = Array.from(
    { length: 300 },
    (_, i) => `.c${i}{color:${colours[i % 6]};border-bottom:1px solid ${colours[(i + 1) % 6]}}`,
  ).join("\n");
  const rows = Array.from(
    { length: 600 },
    (_, i) =>
      `<tr><td style="color:#336699;background-color:#fafafa;border:1px solid #e0e0e0">Row ${i}</td><td style="color:#000">#${i}</td></tr>`,
  ).join("\n");
  return [
    "<html><head><style>",
    rules,
    "</style></head><body>",
    '<p style="color:#333">Hello $name, your order: #foreach($item in $items)$item.title ($item.price)#end</p>',
    "<p>Price: $ 10 or US$10, #1 in sales, item #fff-0</p>",
    "<table>",
    rows,
    "</table></body></html>",
  ].join("\n");
}

describe("the values the engine is given", () => {
  it("are copies without prototypes, holding only data", () => {
    class Secret {
      key = "k";
    }
    const copy = sandboxData({
      name: "Ann",
      n: 1,
      ok: true,
      none: null,
      list: [{ a: 1 }],
      fn: () => "x",
      secret: new Secret(),
      date: new Date(0),
    }) as Record<string, unknown>;
    expect(Object.getPrototypeOf(copy)).toBeNull();
    expect(Object.getPrototypeOf(copy.list)).toBeNull();
    expect(Array.isArray(copy.list)).toBe(true);
    expect(Object.getPrototypeOf((copy.list as unknown[])[0])).toBeNull();
    expect(Object.keys(copy)).toEqual(["name", "n", "ok", "none", "list"]);
  });

  it("nest at most 20 levels", () => {
    const nested = (depth: number) => Array.from({ length: depth }).reduce<unknown>((inner) => [inner], "x");
    expect(render("$v", { v: nested(20) }).output).toBe(`${"[".repeat(20)}x${"]".repeat(20)}`);
    expect(refusal(() => render("$v", { v: nested(21) })).message).toBe("a substitution nests deeper than 20 levels");
  });

  it("are read through own properties only, even with a key from another value", () => {
    expect(render("[$a[$k]][$a.b][$list.length]", { a: { b: 1 }, k: "toString", list: [1, 2] }).output).toBe("[][1][2]");
  });
});

describe("a render", () => {
  it("escapes each value once in HTML, also inside interpolated strings, and leaves the template's own markup", () => {
    expect(render('<p>$name</p>#set($b = "<b>$name</b>")$b', { name: "<i>Иван & co</i>" }, true).output).toBe(
      "<p>&lt;i&gt;Иван &amp; co&lt;/i&gt;</p>&lt;b&gt;&lt;i&gt;Иван &amp; co&lt;/i&gt;&lt;/b&gt;",
    );
  });

  it("prints lists and objects as data, and nothing for null", () => {
    expect(render("$list $obj [$none]", { list: [1, "a"], obj: { a: 1, b: [true] }, none: null }).output).toBe("[1, a] {a=1, b=[true]} []");
  });

  it("compares lists and objects only by identity, and refuses arithmetic on them", () => {
    expect(render('#if($l == "1")eq#{else}ne#end #if($l == $l)same#end', { l: ["1"] }).output).toBe("ne same");
    expect(refusal(() => render("#set($x = $l * 2)", { l: [1] })).problem).toEqual({
      message: "* works on numbers and text, not on lists or objects",
      line: 1,
      column: 1,
    });
  });

  it("reports names the template read but nobody set", () => {
    expect(render("$a $b #set($c = 1)$c #foreach($i in [1])$i$velocityCount#end", { a: "A" }).missing).toEqual(["b"]);
  });

  it("counts the characters a loop produces against the limit, beyond the template's own length", () => {
    const limits = { ...VELOCITY_LIMITS, growth: 100 };
    const template = "#foreach($i in $l)0123456789#end"; // 32 characters: 132 may be produced
    const list = (length: number) => Array.from({ length }, (_, i) => i);
    expect(renderVelocitySandboxed(template, { l: list(13) }, { html: false, limits }).output).toHaveLength(130);
    expect(refusal(() => renderVelocitySandboxed(template, { l: list(14) }, { html: false, limits })).message).toBe(
      "at line 1, column 1: the template would produce more than 100 characters beyond its own length",
    );
  });

  it("stops a loop over a long body at its step budget, the same on every run", () => {
    const limits = { ...VELOCITY_LIMITS, steps: 20_000, milliseconds: 60_000 };
    const loop = (times: number) => `#foreach($i in [1..${times}])${"#if($a)$a#end".repeat(10)}#end`;
    const run = () => refusal(() => renderVelocitySandboxed(loop(1000), { a: "" }, { html: false, limits }));
    const [first, second] = [run(), run()];
    expect(first.problem).toMatchObject({ message: "the template takes more than 20,000 steps to render", line: 1 });
    expect(second.problem).toEqual(first.problem);
    expect(renderVelocitySandboxed(loop(100), { a: "" }, { html: false, limits }).output).toBe("");
  });

  it("stops at its time budget", () => {
    const limits = { ...VELOCITY_LIMITS, milliseconds: 0 };
    expect(refusal(() => renderVelocitySandboxed("#foreach($i in [1..5000])$i#end", {}, { html: false, limits })).message).toMatch(
      /took longer than 0 ms to render$/,
    );
  });

  it("turns anything the engine throws into a refusal of the template", () => {
    expect(refusal(() => render("#set($x = $o + 1)", { o: { a: 1 } })).problem.message).toBe(
      "+ works on numbers and text, not on lists or objects",
    );
  });
});
