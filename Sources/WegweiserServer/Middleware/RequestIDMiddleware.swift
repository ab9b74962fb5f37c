import Foundation
import HTTPTypes
import Hummingbird
import Logging

extension HTTPField.Name {
    /// `X-Request-ID`: the id that ties a request to its log lines.
    static let requestID = Self("X-Request-ID")!
}

/// Takes the caller's `X-Request-ID` (1–128 visible ASCII characters) or makes one, puts it on
/// every log line of the request and echoes it in the response, errors included.
struct RequestIDMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response
    {
        let requestID = request.headers[.requestID].flatMap(Self.acceptable) ?? UUID().uuidString.lowercased()
        var context = context
        context.logger[metadataKey: "request_id"] = "\(requestID)"
        var response = try await RequestID.$current.withValue(requestID) {
            try await next(request, context)
        }
        response.headers[.requestID] = requestID
        return response
    }

    private static func acceptable(_ value: String) -> String? {
        guard (1...128).contains(value.utf8.count), value.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
        return value
    }
}

/// The id of the request being handled, for code that has no request context (OpenAPI handlers).
enum RequestID {
    /// The current request's id, or `nil` outside a request.
    @TaskLocal static var current: String?
}
