// Text assets embedded at build time (esbuild.config.mjs, vitest.config.ts).
declare module '*.sh' {
  const text: string;
  export default text;
}
declare module '*.py' {
  const text: string;
  export default text;
}
declare module '*.yaml' {
  const text: string;
  export default text;
}
declare const __INSTALLER_VERSION__: string;
