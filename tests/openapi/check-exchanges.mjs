// Holds real requests and answers to the OpenAPI document: each exchange's operation must be in
// the document, its JSON request body must match the operation's requestBody schema, its status
// must be documented (an undocumented 4xx/5xx falls to `default`, an undocumented 2xx/3xx is a
// problem), and its answer must have a documented media type and match that schema (ajv, after
// swagger-parser has resolved every $ref; OpenAPI 3.0's `nullable` is ajv's keyword too).
// Usage: node check-exchanges.mjs <openapi.json> <exchanges.json>, where exchanges.json is
//   [{"method", "path" (no query), "status", "content_type", "request"?, "response"}]
// with response null for an empty body. Prints "checked N exchanges ..." or every problem (exit 1).
import { readFileSync } from "node:fs";
import SwaggerParser from "@apidevtools/swagger-parser";
import Ajv from "ajv";

const [docFile, exchangesFile] = process.argv.slice(2);
if (!exchangesFile) {
  console.error("usage: node check-exchanges.mjs <openapi.json> <exchanges.json>");
  process.exit(2);
}
const doc = await SwaggerParser.dereference(JSON.parse(readFileSync(docFile, "utf8")));
const exchanges = JSON.parse(readFileSync(exchangesFile, "utf8"));
const ajv = new Ajv({ strict: false, allErrors: true });
const compiled = new Map();
const validate = (schema, value) => {
  if (!compiled.has(schema)) compiled.set(schema, ajv.compile(schema));
  const fn = compiled.get(schema);
  return fn(value) ? null : ajv.errorsText(fn.errors, { separator: "; " });
};

// The most specific template matching a concrete path: the most literal characters wins.
const templates = Object.keys(doc.paths).map((t) => {
  const parts = t.split(/(\{[^}/]+\})/).filter(Boolean);
  const re = new RegExp("^" + parts.map((p) => (p.startsWith("{") ? "[^/]+" :
                                                p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))).join("") + "$");
  const literal = parts.filter((p) => !p.startsWith("{")).join("").length;
  return { t, re, literal };
});
const templateOf = (path) =>
  templates.filter((x) => x.re.test(path)).sort((a, b) => b.literal - a.literal)[0]?.t;

const problems = [];
const seen = new Set();
for (const x of exchanges) {
  const what = `${x.method} ${x.path} -> ${x.status}`;
  const t = templateOf(x.path);
  const op = t && doc.paths[t][x.method.toLowerCase()];
  if (!op) {
    problems.push(`${what}: no operation in the document`);
    continue;
  }
  seen.add(op.operationId);
  if (x.request !== undefined) {
    const schema = op.requestBody?.content?.["application/json"]?.schema;
    const why = schema ? validate(schema, x.request) : "the operation documents no JSON request body";
    if (why) problems.push(`${what} (${op.operationId}): request body: ${why}`);
  }
  const status = String(x.status);
  const response = op.responses[status] || op.responses[status[0] + "XX"] ||
                   (x.status >= 400 ? op.responses.default : undefined);
  if (!response) {
    problems.push(`${what} (${op.operationId}): status ${status} is not documented`);
    continue;
  }
  const type = (x.content_type || "").split(";")[0].trim();
  if (x.response === null) {
    if (response.content && Object.keys(response.content).length && x.status !== 304)
      problems.push(`${what} (${op.operationId}): empty body, the document says ${Object.keys(response.content)}`);
    continue;
  }
  const media = response.content?.[type];
  if (!media) {
    problems.push(`${what} (${op.operationId}): ${type || "no content type"} is not documented ` +
                  `(${Object.keys(response.content || {}).join(", ") || "no body"})`);
    continue;
  }
  if (type === "application/json" && media.schema) {
    const why = validate(media.schema, x.response);
    if (why) problems.push(`${what} (${op.operationId}): answer: ${why}: ${JSON.stringify(x.response).slice(0, 300)}`);
  }
}
if (problems.length) {
  console.error(problems.join("\n"));
  process.exit(1);
}
console.log(`checked ${exchanges.length} exchanges against ${seen.size} operations`);
