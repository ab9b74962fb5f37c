import Foundation
import HTTPTypes
import Hummingbird
import Logging

extension HTTPField.Name {
    /// `X-Request-ID`: the server's own id of a request, the key of its log lines, access-log
    /// entries and events.
    static let requestID = Self("X-Request-ID")!
    /// `X-Correlation-ID`: the caller's own `X-Request-ID`, echoed.
    static let correlationID = Self("X-Correlation-ID")!
}

/// Gives every request the server's own id, puts it on every log line of the request and
/// answers it in `X-Request-ID`, errors included. A caller's `X-Request-ID` (1–128 visible
/// ASCII characters) is kept apart as the correlation id: written next to the server's id and
/// echoed in `X-Correlation-ID`, never used as a key. A malformed one answers 400.
struct RequestIDMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response
    {
        let id = UUID().uuidString.lowercased()
        let sent = request.headers[.requestID]
        let correlationID = sent.flatMap(Self.acceptable)
        var context = context
        context.logger[metadataKey: "request_id"] = "\(id)"
        if let correlationID { context.logger[metadataKey: "correlation_id"] = "\(correlationID)" }
        let current = RequestID(id: id, correlationID: correlationID, operation: "\(request.method) \(request.uri.path)")
        var response: Response
        if sent != nil, correlationID == nil {
            response = ProblemMiddleware<Context>.response(
                for: {
                    var problem = Problem.badRequest(
                        "X-Request-ID must be 1 to 128 visible ASCII characters.",
                        errors: [.init(pointer: "#/header/X-Request-ID", detail: "1 to 128 visible ASCII characters")]
                    )
                    problem.instance = id
                    return problem
                }()
            )
        } else {
            response = try await RequestID.$current.withValue(current) {
                try await next(request, context)
            }
        }
        response.headers[.requestID] = id
        if let correlationID { response.headers[.correlationID] = correlationID }
        return response
    }

    private static func acceptable(_ value: String) -> String? {
        guard (1...128).contains(value.utf8.count), value.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
        return value
    }
}

/// The request being handled, for code that has no request context (OpenAPI handlers).
struct RequestID: Sendable {
    /// The server's own id of the request.
    var id: String
    /// The caller's `X-Request-ID`, validated.
    var correlationID: String?
    /// Method and path, e.g. `PUT /clients/…`: the operation an access-log entry names.
    var operation: String

    /// The request being handled, or `nil` outside a request.
    @TaskLocal static var current: RequestID?
}
