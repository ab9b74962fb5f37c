import Foundation
import HTTPTypes
import Hummingbird

/// Refuses requests too large to be worth reading, before any routing or reading of the body:
/// a URI over `uriLimit` bytes (414), header fields over `headerLimit` bytes in all (431) and a
/// declared `Content-Length` over `bodyLimit` (413), each as problem+json with the request id.
/// A body without a declared length is cut off at `bodyLimit` by ``InputBoundsMiddleware``.
/// Headers beyond the HTTP parser's own limit (64 KiB) close the connection with a bare 400.
struct RequestLimitsMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The most bytes of the request target.
    let uriLimit: Int
    /// The most bytes of all header names and values.
    let headerLimit: Int
    /// The most bytes of a body.
    let bodyLimit: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response
    {
        if request.uri.description.utf8.count > uriLimit {
            throw Problem.tooLarge(.uriTooLong, "A request URI may have at most \(uriLimit) bytes.")
        }
        let headerBytes = request.headers.reduce(0) { $0 + $1.name.rawName.utf8.count + $1.value.utf8.count + 4 }
        if headerBytes > headerLimit {
            throw Problem.tooLarge(.requestHeaderFieldsTooLarge, "Request headers may have at most \(headerLimit) bytes in all.")
        }
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > bodyLimit {
            throw InputBoundsMiddleware.tooLarge(bodyLimit)
        }
        return try await next(request, context)
    }
}
