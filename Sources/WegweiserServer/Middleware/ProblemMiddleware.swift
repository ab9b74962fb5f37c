import Foundation
import HTTPTypes
import Hummingbird
import Logging
import OpenAPIRuntime
import PostgresNIO

/// Turns every error into an `application/problem+json` answer: a ``Problem`` thrown by a
/// handler as it is, a request the generated code cannot decode as 400, an unknown route as
/// 404, a database that does not answer as 503 with `Retry-After`, anything unexpected as 500
/// with the details in the log only.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response
    {
        do {
            return try await next(request, context)
        } catch {
            var problem = Self.problem(for: error, request: request)
            // Only a bug is an error worth a log line; a deliberate 503 (shed load, a deadline)
            // under a flood must not cost a reflected dump per request, nor fill the disk.
            if problem.status == 500 {
                context.logger.error(
                    "request failed",
                    metadata: ["error": "\(Self.logged(error))", "path": "\(request.uri.path)"]
                )
            }
            problem.instance = RequestID.current?.id ?? context.logger[metadataKey: "request_id"].map { "\($0)" }
            return Self.response(for: problem)
        }
    }

    /// What the log says about `error`: for an error of the generated code, the operation and
    /// the underlying error only, never the request it carries (its headers hold the bearer
    /// token).
    static func logged(_ error: any Error) -> String {
        guard let serverError = error as? ServerError else { return String(reflecting: error) }
        return "\(serverError.operationID): \(String(reflecting: serverError.underlyingError))"
    }

    /// The response that carries `problem`.
    static func response(for problem: Problem) -> Response {
        let status = HTTPResponse.Status(code: problem.status)
        let body = problem.encoded()
        var headers: HTTPFields = [.contentType: Problem.mediaType, .contentLength: String(body.count)]
        if let challenge = problem.challenge { headers[.wwwAuthenticate] = challenge }
        if let retryAfter = problem.retryAfter { headers[.retryAfter] = String(retryAfter) }
        if let allow = problem.allow { headers[.allow] = allow.joined(separator: ", ") }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    static func problem(for error: any Error, request: Request) -> Problem {
        // Not a bug, not the caller's fault: the database is gone for the moment.
        if DatabaseWatch.isUnreachable(error) { return .databaseUnavailable() }
        switch error {
        case let problem as Problem:
            return problem
        case let serverError as ServerError:
            if let problem = serverError.underlyingError as? Problem { return problem }
            if let problem = unstorableInput(serverError.underlyingError) { return problem }
            if serverError.httpStatus.code < 500, serverError.httpStatus != .badRequest {
                return .status(serverError.httpStatus, detail: serverError.causeDescription)
            }
            if serverError.operationInput == nil || serverError.httpStatus == .badRequest {
                // The generated code could not turn the request into the operation's input
                // (what the contract check lets through decodes; this is the backstop). Its own
                // words name Swift types and internals: the answer says only where.
                return undecodable(serverError)
            }
            return .internalError()
        case let httpError as HTTPError where [.notFound, .methodNotAllowed].contains(httpError.status):
            // The router knows no route for this method; the contract says whether the path
            // exists with others.
            let allowed = ContractBounds.bundled.methods(at: request.uri.path)
            guard !allowed.isEmpty else { return .notFound("No resource at \(request.uri.path).") }
            return .methodNotAllowed(
                "\(request.method) is not supported at \(request.uri.path); \(allowed.joined(separator: ", ")) are.",
                allow: allowed
            )
        case let responseError as any HTTPResponseError where responseError.status.code < 500:
            return .status(responseError.status, detail: (responseError as? HTTPError)?.body)
        default:
            return unstorableInput(error) ?? .internalError()
        }
    }

    /// The 400 for a request the generated code could not decode: where, if it says, and no more.
    static func undecodable(_ serverError: ServerError) -> Problem {
        var pointer = "#"
        if let decoding = serverError.underlyingError as? DecodingError {
            var path: [any CodingKey]
            switch decoding {
            case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
                path = context.codingPath
            case .keyNotFound(let key, let context):
                path = context.codingPath + [key]
            @unknown default:
                path = []
            }
            if !path.isEmpty {
                pointer = path.map { "/" + ContractBounds.escaped($0.intValue.map(String.init) ?? $0.stringValue) }.joined()
            }
        }
        return .badRequest(
            "The request does not match the operation \(serverError.operationID).",
            errors: [.init(pointer: pointer, detail: "not what the contract declares here")]
        )
    }

    /// A 422 for a value PostgreSQL refuses to store or compare (SQLSTATE class 22, e.g. a NUL
    /// character in text or JSON): bad input, not a bug. Not 400: the request is what the
    /// contract allows (a JSON string may hold U+0000), only its content cannot be kept.
    static func unstorableInput(_ error: any Error) -> Problem? {
        let database = (error as? PostgresTransactionError)?.closureError ?? error
        guard let sqlState = (database as? PSQLError)?.serverInfo?[.sqlState], sqlState.hasPrefix("22") else { return nil }
        return .unprocessable("The request holds a value that cannot be stored, such as a NUL character.")
    }
}
