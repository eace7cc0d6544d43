import { freezeGraph } from "./builder";
import { ParseError } from "./errors";
import { OP_NAMES, isOpName } from "./ops";
import { DTYPES, type NodeTags, type AttrValue, type DType, type Graph, type GraphInput, type Node, type OriginKind, type SourceLoc, type TensorType } from "./types";
import { verifyGraph } from "./verify";

type TokKind = "value" | "global" | "ident" | "number" | "string" | "punct" | "eof";
interface Token {
  kind: TokKind;
  text: string;
  line: number;
  col: number;
}

const NUMBER = /^-?(?:(?:inf|nan)(?!\w)|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)/;

/** Splits IR text into tokens; `#` and `//` start comments that run to the end of the line. */
function tokenize(text: string): Token[] {
  const toks: Token[] = [];
  let line = 1, col = 1, i = 0;
  const advance = (n: number) => {
    for (let k = 0; k < n; k++, i++) {
      if (text[i] === "\n") (line++, (col = 1));
      else col++;
    }
  };
  while (i < text.length) {
    const c = text[i];
    const rest = text.slice(i, i + 400);
    if (c === " " || c === "\t" || c === "\r" || c === "\n") { advance(1); continue; }
    if (c === "#" || rest.startsWith("//")) {
      while (i < text.length && text[i] !== "\n") advance(1);
      continue;
    }
    const start = { line, col };
    let m: RegExpExecArray | null;
    if (c === "%" && (m = /^%(\d+)/.exec(rest))) {
      toks.push({ kind: "value", text: m[1], ...start }); advance(m[0].length);
    } else if (c === "@") {
      m = /^@([A-Za-z_][\w.$-]*)/.exec(rest);
      if (m) { toks.push({ kind: "global", text: m[1], ...start }); advance(m[0].length); }
      else if (text[i + 1] === '"') { advance(1); const s = readString(); toks.push({ kind: "global", text: s, ...start }); }
      else throw new ParseError("expected a graph name after '@'", line, col);
    } else if ((m = NUMBER.exec(rest)) && (c !== "-" || /[\d.in]/.test(text[i + 1] ?? ""))) {
      toks.push({ kind: "number", text: m[0], ...start }); advance(m[0].length);
    } else if ((m = /^[A-Za-z_][\w]*/.exec(rest))) {
      toks.push({ kind: "ident", text: m[0], ...start }); advance(m[0].length);
    } else if (c === '"') {
      toks.push({ kind: "string", text: readString(), ...start });
    } else if ("(){}[],:=".includes(c)) {
      toks.push({ kind: "punct", text: c, ...start }); advance(1);
    } else {
      throw new ParseError(`unexpected character ${JSON.stringify(c)}`, line, col);
    }
  }
  toks.push({ kind: "eof", text: "end of input", line, col });
  return toks;

  function readString(): string {
    const m = /^"(?:[^"\\\n]|\\.)*"/.exec(text.slice(i));
    if (!m) throw new ParseError("unterminated string", line, col);
    advance(m[0].length);
    return JSON.parse(m[0]) as string;
  }
}

function parseNumber(text: string): number {
  const neg = text.startsWith("-");
  const body = neg ? text.slice(1) : text;
  const v = body === "inf" ? Infinity : body === "nan" ? NaN : Number(body);
  return neg ? -v : v;
}

/** Recursive-descent parser over the token list (the grammar is flat: no recursion on graph size). */
class Parser {
  private pos = 0;
  constructor(private readonly toks: Token[]) {}

  private peek(): Token { return this.toks[this.pos]; }
  private next(): Token { return this.toks[this.pos++]; }
  private fail(expected: string, tok = this.peek()): never {
    const got = tok.kind === "eof" ? "end of input" : `'${tok.kind === "value" ? "%" + tok.text : tok.text}'`;
    throw new ParseError(`expected ${expected}, got ${got}`, tok.line, tok.col);
  }
  private isPunct(p: string): boolean {
    const t = this.peek();
    return t.kind === "punct" && t.text === p;
  }
  private punct(p: string): void {
    if (!this.isPunct(p)) this.fail(`'${p}'`);
    this.pos++;
  }
  private expect(kind: TokKind, what: string): Token {
    if (this.peek().kind !== kind) this.fail(what);
    return this.next();
  }
  private int(what: string): number {
    const tok = this.expect("number", what);
    const v = parseNumber(tok.text);
    if (!Number.isInteger(v)) this.fail(what, tok);
    return v;
  }
  private valueRef(): number {
    return Number(this.expect("value", "a value like %3").text);
  }

  graph(): Graph {
    const kw = this.expect("ident", "'graph'");
    if (kw.text !== "graph") this.fail("'graph'", kw);
    const name = this.expect("global", "a graph name like @main").text;
    this.punct("(");
    const inputs: GraphInput[] = [];
    while (!this.isPunct(")")) {
      if (inputs.length) this.punct(",");
      inputs.push(this.input());
    }
    this.punct(")");
    this.punct("{");
    const nodes: Node[] = [];
    while (this.peek().kind === "value") nodes.push(this.node());
    const ret = this.expect("ident", "a node like '%3 = op ...' or 'return'");
    if (ret.text !== "return") this.fail("a node like '%3 = op ...' or 'return'", ret);
    const outputs = [this.valueRef()];
    while (this.isPunct(",")) (this.pos++, outputs.push(this.valueRef()));
    this.punct("}");
    this.expect("eof", "end of input after '}'");
    return { name, inputs, nodes, outputs };
  }

  private input(): GraphInput {
    const id = this.valueRef();
    this.punct(":");
    const type = this.type();
    const name = this.expect("string", 'an input name like "x"').text;
    return { id, type, name, loc: this.loc() };
  }

  private node(): Node {
    const id = this.valueRef();
    this.punct("=");
    const opTok = this.expect("ident", "an op name");
    if (!isOpName(opTok.text)) {
      throw new ParseError(`unknown op '${opTok.text}'; known ops: ${OP_NAMES.join(", ")}`, opTok.line, opTok.col);
    }
    const args: number[] = [];
    if (this.peek().kind === "value") {
      args.push(this.valueRef());
      while (this.isPunct(",")) (this.pos++, args.push(this.valueRef()));
    }
    const attrs: Record<string, AttrValue> = {};
    if (this.isPunct("{")) {
      this.pos++;
      while (!this.isPunct("}")) {
        if (Object.keys(attrs).length) this.punct(",");
        const key = this.expect("ident", "an attribute name");
        if (key.text in attrs) throw new ParseError(`attribute '${key.text}' given twice`, key.line, key.col);
        this.punct("=");
        attrs[key.text] = this.attrValue();
      }
      this.punct("}");
    }
    this.punct(":");
    const type = this.type();
    const tags = this.tags();
    const loc = this.loc();
    return tags ? { id, op: opTok.text, args, attrs, type, loc, tags } : { id, op: opTok.text, args, attrs, type, loc };
  }

  /** Optional `tags(writes = %4, region = 1)`. */
  private tags(): NodeTags | undefined {
    const head = this.peek();
    if (head.kind !== "ident" || head.text !== "tags") return undefined;
    this.pos++;
    this.punct("(");
    const tags: { writes?: number; region?: number } = {};
    while (!this.isPunct(")")) {
      if (Object.keys(tags).length) this.punct(",");
      const key = this.expect("ident", "'writes' or 'region'");
      this.punct("=");
      if (key.text === "writes") tags.writes = this.valueRef();
      else if (key.text === "region") tags.region = this.int("a region number");
      else this.fail("'writes' or 'region'", key);
    }
    this.punct(")");
    return tags;
  }

  private attrValue(): AttrValue {
    const tok = this.peek();
    if (tok.kind === "number") return (this.pos++, parseNumber(tok.text));
    if (tok.kind === "ident" && (tok.text === "true" || tok.text === "false")) return (this.pos++, tok.text === "true");
    if (tok.kind === "ident" && DTYPES.includes(tok.text as DType)) return (this.pos++, tok.text);
    if (tok.kind === "string") return (this.pos++, tok.text);
    if (this.isPunct("[")) {
      this.pos++;
      const items: number[] = [];
      while (!this.isPunct("]")) {
        if (items.length) this.punct(",");
        items.push(parseNumber(this.expect("number", "a number").text));
      }
      this.punct("]");
      return items;
    }
    return this.fail(`an attribute value (number, [list], "string", true/false or ${DTYPES.join("/")})`);
  }

  private type(): TensorType {
    const tok = this.expect("ident", `a type like f32[2,3]`);
    if (!DTYPES.includes(tok.text as DType)) this.fail(`a dtype (${DTYPES.join(", ")})`, tok);
    this.punct("[");
    const shape: number[] = [];
    while (!this.isPunct("]")) {
      if (shape.length) this.punct(",");
      const dimTok = this.peek();
      const dim = this.int("a dimension (non-negative integer)");
      if (dim < 0) this.fail("a dimension (non-negative integer)", dimTok);
      shape.push(dim);
    }
    this.punct("]");
    return { dtype: tok.text as DType, shape };
  }

  private loc(): SourceLoc {
    const kw = this.expect("ident", "a location like loc(\"file.ts\":3:7)");
    if (kw.text !== "loc") this.fail("a location like loc(\"file.ts\":3:7)", kw);
    this.punct("(");
    let origin: SourceLoc["origin"];
    const head = this.peek();
    if (head.kind === "ident" && ["grad", "tangent", "recompute"].includes(head.text)) {
      this.pos++;
      const of = this.expect("ident", "'of'");
      if (of.text !== "of") this.fail("'of'", of);
      origin = { kind: head.text as OriginKind, of: this.valueRef() };
    }
    let loc: SourceLoc;
    if (this.peek().kind === "ident" && this.peek().text === "unknown") {
      this.pos++;
      loc = { file: "unknown", line: 0, col: 0 };
    } else {
      const file = this.expect("string", "a quoted file name").text;
      this.punct(":");
      const line = this.int("a line number");
      this.punct(":");
      loc = { file, line, col: this.int("a column number") };
    }
    this.punct(")");
    return origin ? { ...loc, origin } : loc;
  }
}

/**
 * Parses the text form printed by `printGraph`. Syntax errors carry line:column and what was
 * expected; the result is verified (types re-inferred) unless `verify: false`.
 */
export function parseGraph(text: string, opts: { verify?: boolean } = {}): Graph {
  const g = freezeGraph(new Parser(tokenize(text)).graph());
  if (opts.verify ?? true) verifyGraph(g);
  return g;
}
