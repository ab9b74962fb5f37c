import Foundation
import HTTPTypes
import Hummingbird

/// Restores the `ETag` header that the OpenAPI runtime writes percent-encoded (`%2217%22` for
/// `"17"`), so that clients can send it back in `If-Match` as they received it.
struct RawHeaderMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response
    {
        var response = try await next(request, context)
        if let etag = response.headers[.eTag], etag.contains("%") {
            response.headers[.eTag] = etag.removingPercentEncoding ?? etag
        }
        return response
    }
}
