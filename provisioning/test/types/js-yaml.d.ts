/** The part of js-yaml 4 the tests use (the package ships no types; @types/js-yaml is not installed). */
declare module 'js-yaml' {
  export function load(text: string): unknown;
}
