// ESLint (flat config): typescript-eslint's recommended rules and the layering of
// docs/architecture.md as import rules. scripts/importGraph.ts checks the same layers on the
// whole import graph (circles included); these rules name the crossing at the line that makes it.
import { readdirSync } from "node:fs";
import js from "@eslint/js";
import prettier from "eslint-config-prettier";
import tseslint from "typescript-eslint";

const tests = ["**/test/**", "**/*.test.ts"];

/** Import patterns (gitignore style, matched against the import string) of each layer above. */
const above = {
  modules: ["**/chain/**", "**/client/**", "**/localnet/**", "**/cmd/**", "**/bench/**", "**/scripts/**"],
  chain: ["**/client/**", "**/localnet/**", "**/cmd/**", "**/bench/**", "**/scripts/**"],
  client: ["**/localnet/**", "**/cmd/**", "**/bench/**", "**/scripts/**"],
  localnet: ["**/cmd/**", "**/bench/**", "**/scripts/**"],
};

const layer = (files, patterns, message, ignores = []) => ({
  files,
  ignores: [...tests, ...ignores],
  rules: { "no-restricted-imports": ["error", { patterns: [{ group: patterns, message }] }] },
});

const noTestImports = { group: ["**/test/**", "**/*.test.js"], message: "non-test code imports no test file" };

/** A module reaches another module only through its own expectedKeepers.ts (and gov's authority). */
const moduleNames = readdirSync(new URL("./modules", import.meta.url), { withFileTypes: true })
  .filter((d) => d.isDirectory() && d.name !== "sdk")
  .map((d) => d.name);
const moduleWalls = moduleNames.map((m) => ({
  files: [`modules/${m}/**/*.ts`],
  ignores: [...tests, `modules/${m}/expectedKeepers.ts`],
  rules: {
    "no-restricted-imports": [
      "error",
      {
        patterns: [
          { group: above.modules, message: "modules import nothing above them (docs/architecture.md)" },
          noTestImports,
          {
            group: [
              ...moduleNames.filter((o) => o !== m).flatMap((o) => [`../${o}/**`, `../../${o}/**`]),
              "!../gov/authority.js",
            ],
            message: `modules/${m} reaches another module only through modules/${m}/expectedKeepers.ts`,
          },
        ],
      },
    ],
  },
}));

export default tseslint.config(
  {
    ignores: [
      "node_modules/**",
      "**/dist/**",
      ".localnet/**",
      ".build/**",
      "chain/api/dashboard/browser/**/*.js",
      "modules/sdk/generated/**",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    languageOptions: { ecmaVersion: 2022, sourceType: "module" },
    rules: {
      // tsc's noUnusedLocals/noUnusedParameters already refuse these.
      "@typescript-eslint/no-unused-vars": "off",
    },
  },
  {
    files: ["**/*.js", "**/*.mjs"],
    languageOptions: { globals: { process: "readonly", console: "readonly", URL: "readonly" } },
  },
  // The state machine and the node log through the logger they are given.
  {
    files: ["modules/**/*.ts", "chain/**/*.ts"],
    ignores: [...tests, "chain/testkit/**"],
    rules: { "no-console": "error" },
  },
  { files: ["modules/**/*.ts"], ignores: tests, rules: { "@typescript-eslint/no-explicit-any": "error" } },
  layer(["modules/sdk/**/*.ts"], [...above.modules, "../*/**", "!../sdk/**"], "modules/sdk imports no module"),
  ...moduleWalls,
  {
    files: ["chain/**/*.ts"],
    ignores: [...tests, "chain/testkit/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: above.chain, message: "chain imports no client, localnet or tool (docs/architecture.md)" },
            { group: ["**/testkit/**"], message: "only tests and simulations import the test kit" },
            noTestImports,
          ],
        },
      ],
    },
  },
  {
    files: ["chain/testkit/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: above.client, message: "the test kit imports no localnet or tool" }, noTestImports] },
      ],
    },
  },
  {
    files: ["client/**/*.ts"],
    ignores: tests,
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: above.client, message: "client imports no localnet or tool (docs/architecture.md)" },
            {
              group: ["**/chain/*/**", "!**/chain/types/**"],
              message: "client sees the chain only through chain/types",
            },
            noTestImports,
          ],
        },
      ],
    },
  },
  {
    files: ["localnet/**/*.ts"],
    ignores: tests,
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: above.localnet, message: "localnet imports no tool (docs/architecture.md)" },
            { group: ["**/testkit/**"], message: "only tests and simulations import the test kit" },
            noTestImports,
          ],
        },
      ],
    },
  },
  {
    files: ["cmd/**/*.ts", "bench/**/*.ts", "scripts/**/*.ts", "docs/**/*.ts"],
    ignores: tests,
    rules: { "no-restricted-imports": ["error", { patterns: [noTestImports] }] },
  },
  prettier,
);
