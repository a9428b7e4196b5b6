/** Portable bundles of stored inputs (and optionally results): see FORMAT.md. */
export { BUNDLE_FORMAT, BUNDLE_VERSION, BundleError, readRecords, type Manifest, type ManifestEntry } from './format.js'
export { HEADER, parseEntryName, type BundleHeader } from './entries.js'
export { exportBundle, type ExportOptions, type ExportSummary } from './export.js'
export { checkChain, importBundle, verifyBundle, type ImportSummary, type VerifiedBundle } from './import.js'
