/**
 * Onlinesim's v2 reseller methods (docs/protocols/onlinesim-v2.md) as the fake plays them: Bearer key (or `apikey`
 * query, docs/protocols/onlinesim.md#authentication), envelope `{response: 1 | "<ERROR>", ids?}`, documented error codes (docs/protocols/onlinesim-v2.md#conventions),
 * 400 with a string body on a malformed request (docs/protocols/onlinesim-v2.md#addnumber), `test1`/`test2` (docs/protocols/onlinesim-v2.md#conventions).
 */
import {
  AddMessageRequest,
  AddMessagesRequest,
  AddNumberRequest,
  check,
  RemoveNumberRequest,
  SendNumbersOnlineRequest,
  V2_ERRORS,
  type AddMessageItem,
  type V2ErrorCode,
  type V2Number,
} from "../schemas.js";
import { json, presentedKey, type Answer, type Call } from "./call.js";

export const V2_METHODS = ["sendNumbersOnline", "addNumber", "removeNumber", "addMessage", "addMessages", "checkWork"] as const;
export type V2Method = (typeof V2_METHODS)[number];

const REQUEST_SCHEMAS = {
  sendNumbersOnline: SendNumbersOnlineRequest,
  addNumber: AddNumberRequest,
  removeNumber: RemoveNumberRequest,
  addMessage: AddMessageRequest,
  addMessages: AddMessagesRequest,
  checkWork: undefined,
} as const;

/** Schema problems of a v2 call without acting on it (recorded when an injected failure answers instead). */
export function v2Problems(method: string, call: Call): string[] {
  if (call.jsonError) return [call.jsonError];
  if (!(method in REQUEST_SCHEMAS)) return [];
  const schema = REQUEST_SCHEMAS[method as V2Method];
  if (!schema) return [];
  const source = method === "removeNumber" && !(call.body && typeof call.body === "object" && "number" in call.body) ? call.query : call.body;
  const r = check(schema, source);
  return r.ok ? [] : r.problems;
}

export function v2Error(code: V2ErrorCode, extra: Partial<Answer> = {}): Answer {
  return json(V2_ERRORS[code], { response: code }, extra);
}

export interface V2Stats {
  sendNumbersOnline: number;
  /** The list from the last (non-test) sendNumbersOnline, kept up to date by addNumber/removeNumber. */
  lastNumbers: V2Number[];
  addNumber: number;
  removeNumber: number;
  addMessage: number;
  addMessages: number;
  /** Messages received through addMessage + addMessages (non-test). */
  messages: number;
  checkWork: number;
  lastSeenAt?: number;
}

export class V2Endpoints {
  readonly stats: V2Stats = { sendNumbersOnline: 0, lastNumbers: [], addNumber: 0, removeNumber: 0, addMessage: 0, addMessages: 0, messages: 0, checkWork: 0 };
  readonly messages: AddMessageItem[] = [];
  /** number ("+…") → Onlinesim id (docs/protocols/onlinesim-v2.md#sendnumbersonline `ids`, Q22); ids are never reused. */
  private readonly ids = new Map<string, number>();
  private nextId = 1;

  constructor(private readonly key: string) {}

  handle(method: string, call: Call): Answer {
    const presented = presentedKey(call);
    if (presented === undefined) return v2Error("ERROR_NO_KEY", { keyOk: false });
    if (presented !== this.key) return v2Error("ERROR_WRONG_KEY", { keyOk: false });
    if (!(V2_METHODS as readonly string[]).includes(method)) return v2Error("REQUEST_NOT_FOUND", { keyOk: true, problems: [`unknown method ${method}`] });
    if (call.jsonError) return bad([call.jsonError]);
    this.stats.lastSeenAt = Date.now();
    switch (method as V2Method) {
      case "sendNumbersOnline":
        return this.sendNumbersOnline(call.body);
      case "addNumber":
        return this.addNumber(call.body);
      case "removeNumber":
        return this.removeNumber(call);
      case "addMessage":
        return this.addMessage(call.body);
      case "addMessages":
        return this.addMessagesBatch(call.body);
      case "checkWork":
        this.stats.checkWork++;
        return json(200, { response: 1 }, { keyOk: true });
    }
  }

  private idFor(number: string): number {
    let id = this.ids.get(number);
    if (id === undefined) {
      id = this.nextId++;
      this.ids.set(number, id);
    }
    return id;
  }

  private sendNumbersOnline(body: unknown): Answer {
    const p = check(SendNumbersOnlineRequest, body);
    if (!p.ok) return bad(p.problems);
    this.stats.sendNumbersOnline++;
    if (p.value.test === "test1") return ok({ response: 1 });
    if (p.value.test === "test2") return ok({ response: 1, request: p.value });
    this.stats.lastNumbers = p.value.numbers;
    return ok({ response: 1, ids: Object.fromEntries(p.value.numbers.map((n) => [n.number, this.idFor(n.number)])) });
  }

  private addNumber(body: unknown): Answer {
    const p = check(AddNumberRequest, body);
    if (!p.ok) return bad(p.problems);
    this.stats.addNumber++;
    this.stats.lastNumbers = [...this.stats.lastNumbers.filter((n) => n.number !== p.value.number), p.value];
    return ok({ response: 1, ids: { [p.value.number]: this.idFor(p.value.number) } });
  }

  /** docs/protocols/onlinesim-v2.md#removenumber payload [U]: `number` ("+…" or id) from the JSON body, else the query. Idempotent. */
  private removeNumber(call: Call): Answer {
    const source = call.body && typeof call.body === "object" && "number" in call.body ? call.body : call.query;
    const p = check(RemoveNumberRequest, source);
    if (!p.ok) return bad(p.problems);
    this.stats.removeNumber++;
    const target = this.resolve(String(p.value.number));
    this.stats.lastNumbers = this.stats.lastNumbers.filter((n) => n.number !== target);
    return ok({ response: 1 });
  }

  private addMessage(body: unknown): Answer {
    const p = check(AddMessageRequest, body);
    if (!p.ok) return bad(p.problems);
    this.stats.addMessage++;
    if (p.value.test === "test1") return ok({ response: 1 });
    if (p.value.test === "test2") return ok({ response: 1, request: p.value });
    const { test: _test, ...item } = p.value;
    return this.store([item]);
  }

  private addMessagesBatch(body: unknown): Answer {
    const p = check(AddMessagesRequest, body);
    if (!p.ok) return bad(p.problems);
    this.stats.addMessages++;
    return this.store(p.value.messages);
  }

  /** 404 (string body, docs/protocols/onlinesim-v2.md#addmessage [I]) when a message names a number Onlinesim does not list. */
  private store(items: AddMessageItem[]): Answer {
    const unknown = items.filter((m) => !this.isListed(m.number)).map((m) => m.number);
    if (unknown.length > 0) return json(404, `Not Found: number(s) not listed: ${unknown.join(", ")}`, { keyOk: true, problems: [`unlisted number(s) ${unknown.join(", ")}`] });
    this.messages.push(...items);
    this.stats.messages += items.length;
    return ok({ response: 1 });
  }

  /** A "+…" number, or an id from `ids` mapped back to its number. */
  private resolve(numberOrId: string): string {
    if (/^\d+$/.test(numberOrId)) {
      for (const [n, id] of this.ids) if (String(id) === numberOrId) return n;
    }
    return numberOrId;
  }

  private isListed(numberOrId: string): boolean {
    const n = this.resolve(numberOrId);
    return this.stats.lastNumbers.some((x) => x.number === n);
  }
}

function ok(body: unknown): Answer {
  return json(200, body, { keyOk: true });
}

function bad(problems: string[]): Answer {
  return json(400, `Bad Request: ${problems.join("; ")}`, { keyOk: true, problems });
}
