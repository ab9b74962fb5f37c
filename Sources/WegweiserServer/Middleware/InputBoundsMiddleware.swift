import EventStore
import Foundation
import HTTPTypes
import OpenAPIRuntime

/// Enforces the contract's bounds before a handler sees a request: the body is read up to
/// `bodyLimit` bytes (413 beyond, without reading the rest), and the body and every declared
/// parameter are checked against the maxima and minima of `openapi.yaml` (400 with a JSON
/// pointer for each value out of bounds). A change the contract makes conditional on `If-Match`
/// answers 428 without it. Nothing out of bounds reaches a handler, a key or the log.
struct InputBoundsMiddleware: ServerMiddleware {
    /// The contract's bounds.
    let bounds: ContractBounds
    /// The most bytes a request body may have.
    let bodyLimit: Int

    func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        metadata: ServerRequestMetadata,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        if bounds.requiresCondition(operationID), request.headerFields[.ifMatch] == nil {
            throw Problem.preconditionRequired(
                "This change replaces the whole object: send If-Match with the ETag of the version it replaces."
            )
        }
        let query = Self.queryItems(of: request.path ?? "")
        var violations = bounds.violations(ofParameters: operationID) { location, name in
            switch location {
            case "query": query[name]
            case "header": HTTPField.Name(name).flatMap { request.headerFields[$0] }
            case "path": metadata.pathParameters[name].map(String.init)
            default: nil
            }
        }
        var checkedBody = body
        if let body {
            if case .known(let length) = body.length, length > bodyLimit { throw Self.tooLarge(bodyLimit) }
            var data = Data()
            for try await chunk in body {
                guard data.count + chunk.count <= bodyLimit else { throw Self.tooLarge(bodyLimit) }
                data.append(contentsOf: chunk)
            }
            if bounds.takesBody(operationID), !data.isEmpty {
                // A body the bounds cannot be checked on is not passed on.
                guard let value = try? JSONValue(jsonText: String(decoding: data, as: UTF8.self)) else {
                    throw Problem.badRequest("The body is not a JSON document in UTF-8.")
                }
                violations += bounds.violations(ofBody: value, operationID: operationID)
            }
            checkedBody = HTTPBody(data)
        }
        guard violations.isEmpty else {
            throw Problem.badRequest(
                "The request does not match the contract: "
                    + violations.prefix(5).map { "\($0.pointer) \($0.detail)" }.joined(separator: "; ") + ".",
                errors: violations.prefix(100).map { .init(pointer: $0.pointer, detail: $0.detail) }
            )
        }
        return try await next(request, checkedBody, metadata)
    }

    /// The 413 for a body over `limit` bytes.
    static func tooLarge(_ limit: Int) -> Problem {
        .tooLarge(.contentTooLarge, "A request body may have at most \(limit) bytes (http.body.limit).")
    }

    /// The query items of `path`, percent-decoded; the first of repeated names.
    private static func queryItems(of path: String) -> [String: String] {
        guard let start = path.firstIndex(of: "?") else { return [:] }
        var items: [String: String] = [:]
        for pair in path[path.index(after: start)...].split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (text: Substring) in
                String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(text)
            }
            let name = decode(parts[0])
            if items[name] == nil { items[name] = parts.count > 1 ? decode(parts[1]) : "" }
        }
        return items
    }
}
