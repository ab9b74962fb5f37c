package import Foundation
package import HTTPTypes

/// An RFC 9457 problem document: the body of every 4xx and 5xx answer.
package struct Problem: Codable, Sendable, Equatable, Error {
    /// One invalid part of a request.
    package struct ValidationError: Codable, Sendable, Equatable {
        /// A JSON pointer into the request, or `#/query/NAME` / `#/header/NAME`.
        package var pointer: String
        /// What is wrong with it.
        package var detail: String

        /// A validation error at `pointer`.
        package init(pointer: String, detail: String) {
            self.pointer = pointer
            self.detail = detail
        }
    }

    /// A stable URI for the kind of problem.
    package var type: String
    /// A short summary of the kind of problem.
    package var title: String
    /// The HTTP status code.
    package var status: Int
    /// What went wrong in this occurrence.
    package var detail: String?
    /// The request id of this occurrence.
    package var instance: String?
    /// Validation errors, each pointing into the request.
    package var errors: [ValidationError]?
    /// The `WWW-Authenticate` challenge of a 401; not part of the body.
    package var challenge: String?
    /// Seconds for `Retry-After` (not in the body).
    package var retryAfter: Int?
    /// The methods for `Allow` of a 405 (not in the body).
    package var allow: [String]?

    enum CodingKeys: String, CodingKey {
        case type, title, status, detail, instance, errors
    }

    /// A problem of kind `slug` (the last part of its `type`).
    package init(slug: String, title: String, status: Int, detail: String? = nil, errors: [ValidationError]? = nil) {
        self.type = Self.typePrefix + slug
        self.title = title
        self.status = status
        self.detail = detail
        self.errors = errors
    }

    /// The prefix of every problem `type` Wegweiser answers with.
    package static let typePrefix = "urn:wegweiser:problem:"

    /// The media type of problem documents.
    package static let mediaType = "application/problem+json"

    /// A 400 for a request that cannot be read.
    package static func badRequest(_ detail: String, errors: [ValidationError]? = nil) -> Problem {
        Problem(slug: "bad-request", title: "Bad request", status: 400, detail: detail, errors: errors)
    }

    /// A 401: no token, or one that is not valid. `tokenSent` adds `error="invalid_token"` to
    /// the challenge (RFC 6750 §3.1: a request without credentials gets no error code).
    package static func unauthorized(_ detail: String, tokenSent: Bool = true) -> Problem {
        var problem = Problem(
            slug: tokenSent ? "invalid-token" : "missing-token",
            title: tokenSent ? "Invalid token" : "Missing token",
            status: 401,
            detail: detail
        )
        problem.challenge =
            tokenSent
            ? #"Bearer realm="wegweiser", error="invalid_token", error_description="\#(detail.replacingOccurrences(of: "\"", with: "'"))""#
            : #"Bearer realm="wegweiser""#
        return problem
    }

    /// A 403: the caller is known but may not do this.
    package static func forbidden(_ detail: String) -> Problem {
        Problem(slug: "forbidden", title: "Forbidden", status: 403, detail: detail)
    }

    /// A 409: the object's state does not allow the change, or it changed meanwhile.
    package static func conflict(_ detail: String) -> Problem {
        Problem(slug: "conflict", title: "Conflict", status: 409, detail: detail)
    }

    /// A 412: `If-Match` does not match the current version.
    package static func preconditionFailed(current version: Int64) -> Problem {
        Problem(
            slug: "precondition-failed",
            title: "Precondition failed",
            status: 412,
            detail: "The object is at version \(version) (ETag \"\(version)\"); read it again before changing it."
        )
    }

    /// A 428: the change replaces what it does not name, so it must say which version it replaces.
    package static func preconditionRequired(_ detail: String) -> Problem {
        Problem(
            slug: "precondition-required",
            title: "Precondition required",
            status: 428,
            detail: detail,
            errors: [.init(pointer: "#/header/If-Match", detail: "required for this change")]
        )
    }

    /// A 422: the request breaks a rule of the domain.
    package static func unprocessable(_ detail: String, errors: [ValidationError]? = nil) -> Problem {
        Problem(slug: "unprocessable", title: "Unprocessable content", status: 422, detail: detail, errors: errors)
    }

    /// A 404: no such resource, or none the caller may see.
    package static func notFound(_ detail: String) -> Problem {
        Problem(slug: "not-found", title: "Not found", status: 404, detail: detail)
    }

    /// A 405 for a method the resource does not support.
    package static func methodNotAllowed(_ detail: String, allow: [String]) -> Problem {
        var problem = Problem(slug: "method-not-allowed", title: "Method not allowed", status: 405, detail: detail)
        problem.allow = allow
        return problem
    }

    /// A 503 from the readiness probe.
    package static func notReady(_ detail: String) -> Problem {
        Problem(slug: "not-ready", title: "Not ready", status: 503, detail: detail)
    }

    /// A 503 while the server sheds load or shuts down: come back after `retryAfter` seconds.
    package static func overloaded(_ detail: String, retryAfter: Int = 1) -> Problem {
        var problem = Problem(slug: "overloaded", title: "Service unavailable", status: 503, detail: detail)
        problem.retryAfter = retryAfter
        return problem
    }

    /// A 503 while the database does not answer: nothing was stored; try again after
    /// `retryAfter` seconds.
    package static func databaseUnavailable(retryAfter: Int = 2) -> Problem {
        var problem = Problem(
            slug: "database-unavailable",
            title: "Service unavailable",
            status: 503,
            detail: "The database does not answer at the moment; nothing of this request was stored. Try again shortly."
        )
        problem.retryAfter = retryAfter
        return problem
    }

    /// A 503 for a request that ran past its deadline; its work was cancelled.
    package static func deadlineExceeded(seconds: Double) -> Problem {
        var problem = Problem(
            slug: "deadline-exceeded",
            title: "Service unavailable",
            status: 503,
            detail: "The request took longer than \(seconds) s and was cancelled; nothing it had not committed was stored."
        )
        problem.retryAfter = 1
        return problem
    }

    /// A 413 for a body over the limit, 414 for a URI over it, 431 for headers over it.
    package static func tooLarge(_ status: HTTPResponse.Status, _ detail: String) -> Problem {
        let slugs: [Int: String] = [413: "content-too-large", 414: "uri-too-long", 431: "header-fields-too-large"]
        return Problem(slug: slugs[status.code] ?? "too-large", title: status.reasonPhrase, status: status.code, detail: detail)
    }

    /// A 500: a bug. The detail never carries internals; the log does.
    package static func internalError() -> Problem {
        Problem(
            slug: "internal-error",
            title: "Internal server error",
            status: 500,
            detail: "The server failed to answer this request. The request id identifies it in the server log."
        )
    }

    /// A problem for a status that has no more specific kind.
    package static func status(_ status: HTTPResponse.Status, detail: String?) -> Problem {
        let slug = status.reasonPhrase.lowercased().replacingOccurrences(of: " ", with: "-")
        return Problem(slug: slug, title: status.reasonPhrase, status: status.code, detail: detail)
    }

    /// The JSON body of this problem.
    package func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding a struct of strings and numbers cannot fail.
        return (try? encoder.encode(self)) ?? Data()
    }
}
