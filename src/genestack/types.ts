// Shapes shared by the renderers and the writer.

/** One file the installer writes under genestack.configDir. */
export interface RenderedFile {
  /** Relative to genestack.configDir (default /etc/genestack), always with forward slashes. */
  path: string;
  content: string;
  /** One line for the operator: what the file is and who reads it. */
  description: string;
}

/** Where the profile came from; named in every file's header so an operator can find it. */
export interface RenderSource {
  profileName: string;
  profilePath?: string;
}
