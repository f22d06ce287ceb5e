// Stored templates and the engines they use: what saving refuses (with the field, line and
// column), and what a hostile template gets at render time: refused or capped, with a clear
// error, never a long run. Delivery turns such an error into REJECTED for that message.
import { describe, expect, it } from "vitest";
import { substitute } from "../../shared/render/index.ts";
import { TemplateError } from "../../shared/render/template-safety.ts";
import { checkSimple, contentProblems } from "../../shared/templates/validate.ts";

const save = (html: string, engine: "simple" | "velocity" = "velocity") => contentProblems({ name: "t", engine, html });

function renderError(engine: "simple" | "velocity", template: string, values: Record<string, unknown> = {}): string {
  try {
    substitute(engine, template, values, true);
  } catch (error) {
    if (error instanceof TemplateError) return error.message;
    throw error;
  }
  throw new Error("expected the render to be refused");
}

describe("saving a template", () => {
  it("refuses an unclosed #if and a missing #end with the field, line and column", () => {
    const [problem] = save("<p>Hello</p>\n  #if($vip)\n  <b>VIP</b>\n");
    expect(problem).toMatchObject({ key: "invalid_template", ref: "Html" });
    expect(problem.message).toMatch(/^Html at line 2, column 3: /);
    expect(save("#foreach($i in $list)$i")[0].message).toMatch(/^Html at line 1, column 1: /);
    expect(save("text #end")[0].message).toMatch(/^Html at line 1, column 6: /);
  });

  it("refuses an unbalanced {{ or }} with its place, and a {{ around more than a name", () => {
    expect(checkSimple("Hi {{Name}}\n{{Plan")).toEqual([{ message: "{{ is never closed with }}", line: 2, column: 1 }]);
    expect(checkSimple("a }} b")).toEqual([{ message: "}} without an opening {{", line: 1, column: 3 }]);
    expect(checkSimple("{{ first name }}")[0].message).toMatch(/is not a substitution/);
    expect(checkSimple("{{Name}} and {{ Plan }}")).toEqual([]);
  });

  it("checks each part with its own field, and needs a body", () => {
    const problems = contentProblems({ name: "t", engine: "simple", subject: "{{Name", text: "ok" });
    expect(problems).toEqual([
      expect.objectContaining({ ref: "Subject", message: "Subject at line 1, column 1: {{ is never closed with }}" }),
    ]);
    expect(contentProblems({ name: "t", engine: "simple", subject: "only a subject" })[0]).toMatchObject({ key: "body_required" });
  });
});

describe("a hostile Velocity template", () => {
  it("refuses a loop of a million iterations when saved and when rendered", () => {
    const loop = "#foreach($i in [1..1000000])x#end";
    expect(save(loop)[0].message).toBe(
      "Html at line 1, column 1: the range [1..1000000] has 1,000,000 numbers; at most 10,000 are allowed",
    );
    expect(renderError("velocity", loop)).toMatch(/1,000,000 numbers; at most 10,000/);
  });

  it("stops nested loops over a list the message gives at the loop budget", () => {
    const nested = "#foreach($i in $L)#foreach($j in $L)#foreach($k in $L)x#end#end#end";
    expect(save(nested)).toEqual([]);
    const list = Array.from({ length: 1000 }, (_, i) => i);
    expect(renderError("velocity", nested, { L: list })).toMatch(/#foreach loops ran more than 10,000 times in all$/);
  });

  it("refuses nesting deeper than 100 levels", () => {
    const deep = `${"#if($a)".repeat(300)}x${"#end".repeat(300)}`;
    expect(save(deep)[0].message).toMatch(/nest deeper than 100 levels$/);
    expect(renderError("velocity", deep, { a: "1" })).toMatch(/nest deeper than 100 levels$/);
  });

  it("caps a #set that doubles a string, by the characters it would produce", () => {
    const doubling = '#set($s = "xxxxxxxxxx")#foreach($i in [1..40])#set($s = "$s$s")#end$s';
    expect(renderError("velocity", doubling)).toMatch(/would produce more than 1,000,000 characters beyond its own length$/);
  });

  it("refuses #macro, a call of one, and every method call, Java-style or not", () => {
    const macro = save("#macro(boom)#boom()#end#boom()").map((p) => p.message);
    expect(macro[0]).toMatch(/#macro is not allowed/);
    expect(macro[1]).toMatch(/#boom\(\.\.\.\) is not allowed/);
    for (const call of ['$x.getClass().forName("java.lang.Runtime")', "${x.toString()}", "$x.length()", '$x.replace("a", "b")']) {
      expect(save(call)[0]?.message, call).toMatch(/calls a method; templates may only read values$/);
      expect(renderError("velocity", call, { x: "a" }), call).toMatch(/calls a method/);
    }
    // A property named like Java's is only a missing value here: nothing behind it.
    expect(substitute("velocity", "[$x.class]", { x: "a" }, false).output).toBe("[]");
  });
});

describe("a hostile {{Name}} template", () => {
  it("caps the output a small template makes of a large value", () => {
    expect(renderError("simple", "{{A}}".repeat(20_000), { A: "y".repeat(10_000) })).toMatch(/would add more than 10,000,000 characters/);
  });

  it("never evaluates what it substitutes: a value with {{ or $ stays text", () => {
    expect(substitute("simple", "{{A}}", { A: "{{B}} $B #set($x=1)", B: "no" }, false).output).toBe("{{B}} $B #set($x=1)");
  });
});
