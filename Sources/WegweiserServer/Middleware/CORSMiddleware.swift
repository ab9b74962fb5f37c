public import Configuration
import Foundation
import HTTPTypes
import Hummingbird

/// Which browser origins may call the API (CORS), read from configuration; off by default.
///
/// Keys (environment variable / flag in brackets):
/// - `http.cors.origins` (`HTTP_CORS_ORIGINS`, `--http-cors-origins`): the origins of the front
///   ends, comma-separated, each `scheme://host[:port]` as a browser sends it in `Origin`
///   (e.g. `https://fallakte.landkreis.example,http://localhost:5173`). Empty (the default):
///   no CORS headers, so browsers on other origins cannot read the answers.
/// - `http.cors.max.age.seconds` (`HTTP_CORS_MAX_AGE_SECONDS`): how long a browser may keep a
///   preflight's answer (default 600).
///
/// Tokens travel in `Authorization`, never in cookies, so credentials are not allowed.
public struct CORSPolicy: Sendable, Equatable {
    /// The origins allowed, exactly as browsers send them.
    public var origins: Set<String>
    /// How long a preflight's answer may be kept, in seconds.
    public var maxAge: Int

    /// No origin is allowed.
    public static let off = CORSPolicy(origins: [], maxAge: 600)

    /// A policy for `origins`.
    public init(origins: Set<String>, maxAge: Int) {
        self.origins = origins
        self.maxAge = maxAge
    }

    /// The policy in `reader`.
    ///
    /// - Throws: ``ConfigurationError`` for an origin that is not `scheme://host[:port]` or a
    ///   maximum age outside 0–86,400 seconds.
    public init(reader: ConfigReader) throws {
        let listed = reader.string(forKey: "http.cors.origins", default: "")
        let origins = listed.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        for origin in origins where !Self.isOrigin(origin) {
            throw ConfigurationError(
                "http.cors.origins: \(origin) is not an origin such as https://fallakte.example or http://localhost:5173"
            )
        }
        let maxAge = reader.int(forKey: "http.cors.max.age.seconds", default: 600)
        guard (0...86_400).contains(maxAge) else {
            throw ConfigurationError("http.cors.max.age.seconds must be 0 to 86400, not \(maxAge)")
        }
        self.init(origins: Set(origins), maxAge: maxAge)
    }

    /// Whether `text` is `scheme://host[:port]` with nothing after it (`*` is refused: every
    /// front end is named).
    static func isOrigin(_ text: String) -> Bool {
        guard let range = text.range(of: "://") else { return false }
        let scheme = text[..<range.lowerBound]
        let authority = text[range.upperBound...]
        return ["http", "https"].contains(scheme) && !authority.isEmpty
            && authority.allSatisfy { $0.isLetter || $0.isNumber || ".-:[]".contains($0) }
    }
}

/// Answers browsers' CORS preflights and marks answers to allowed origins as readable by them
/// (the Fetch standard): a preflight (`OPTIONS` with `Origin` and
/// `Access-Control-Request-Method`) from an allowed origin answers 204 with the methods and
/// headers the API takes; every answer to an allowed origin, errors included, says which
/// headers the front end may read. Requests from other origins get no CORS headers and are
/// otherwise served as from anywhere else (a browser then keeps the answer from the page).
struct CORSMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Who may call.
    let policy: CORSPolicy

    /// The methods of the API.
    static var allowedMethods: String { "GET, POST, PUT, DELETE" }
    /// The request headers a front end may send.
    static var allowedHeaders: String { "Authorization, Content-Type, If-Match, Idempotency-Key, X-Request-ID" }
    /// The answer headers a front end may read.
    static var exposedHeaders: String { "ETag, Location, X-Request-ID, X-Correlation-ID, Retry-After, WWW-Authenticate" }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response
    {
        guard let origin = request.headers[.origin], policy.origins.contains(origin) else {
            return try await next(request, context)
        }
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            var headers: HTTPFields = [
                .accessControlAllowOrigin: origin,
                .accessControlAllowMethods: Self.allowedMethods,
                .accessControlAllowHeaders: Self.allowedHeaders,
                .accessControlMaxAge: String(policy.maxAge),
            ]
            headers[values: .vary] = ["Origin"]
            return Response(status: .noContent, headers: headers)
        }
        var response = try await next(request, context)
        response.headers[.accessControlAllowOrigin] = origin
        response.headers[.accessControlExposeHeaders] = Self.exposedHeaders
        response.headers.append(HTTPField(name: .vary, value: "Origin"))
        return response
    }
}
