// The build inlines the theme as text (tsup's `loader: { '.css': 'text' }`) for StudioStyle.
declare module '*.css' {
  const text: string;
  export default text;
}
