import Casework
import Foundation

/// Who is asking: the staff member a verified token signs in as.
struct Principal: Sendable, Equatable {
    /// The staff member.
    var staffID: UUID
    /// The token's `sub`.
    var subject: String
    /// The staff member's role.
    var role: StaffRole
    /// Their district.
    var districtID: String
    /// Their organisation.
    var organisationID: UUID
    /// Their team, if any.
    var teamID: UUID?
    /// The staff members whose caseloads a substitution grant lets them work at the time of
    /// the request.
    var covering: Set<UUID>
    /// The staff record and held grants this principal was resolved from (set by
    /// ``Authenticator``), so that `/me` answers without asking the directory again.
    var signIn: SignIns.Entry? = nil

    /// The principal of the request being handled; set by ``AuthenticationMiddleware``.
    @TaskLocal static var current: Principal?

    /// The principal of the request being handled.
    ///
    /// - Throws: A 401 problem outside an authenticated operation (a bug in the policy table).
    static func required() throws -> Principal {
        guard let current else { throw Problem.unauthorized("This operation needs a bearer token.", tokenSent: false) }
        return current
    }
}
