import Foundation
import HTTPTypes
import Hummingbird

/// Restores the `ETag`, `Location` and `Link` headers that the OpenAPI runtime writes
/// percent-encoded (`%2217%22` for `"17"`, `%2Fcases%2F…` for `/cases/…`), so that clients can
/// send an ETag back in `If-Match` and follow a Location or a next page as they received them.
struct RawHeaderMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response
    {
        var response = try await next(request, context)
        for name in [HTTPField.Name.eTag, .location, .link] {
            if let value = response.headers[name], value.contains("%") {
                response.headers[name] = value.removingPercentEncoding ?? value
            }
        }
        return response
    }
}

extension HTTPField.Name {
    /// `Link` (RFC 8288), which HTTPTypes does not name. The literal is a valid field name.
    static let link = HTTPField.Name("Link")!
}
