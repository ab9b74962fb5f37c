import Foundation

/// The contract this server was built from: `openapi.yaml` at the package root, embedded in
/// the binary at build time.
enum OpenAPIDocument {
    /// The document's bytes.
    static let contents = Data(PackageResources.openapi_yaml)
}
