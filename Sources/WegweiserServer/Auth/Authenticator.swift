import Casework
import Foundation
import Logging
import Projections

/// Turns an `Authorization` header into a ``Principal``: verifies the token, finds the staff
/// member by `sub`, and checks that they are active, in the token's district, and granted
/// their recorded role by the identity provider.
struct Authenticator: Sendable {
    /// Checks the token itself.
    let verifier: TokenVerifier
    /// Where staff members and grants are.
    let directory: Directory
    /// Who signed in lately, remembered until the directory changes.
    let signIns: SignIns

    /// The principal for `authorization` at `now`.
    ///
    /// - Throws: A 401 ``Problem`` for a missing or invalid token, a 403 one for a valid token
    ///   of someone who is no active staff member with that role.
    func authenticate(authorization: String?, now: Date) async throws -> Principal {
        guard let authorization else {
            throw Problem.unauthorized("This operation needs an `Authorization: Bearer <token>` header.", tokenSent: false)
        }
        let parts = authorization.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw Problem.unauthorized("The Authorization header must be `Bearer <token>`.")
        }
        let claims = try await verifier.verify(String(parts[1]).trimmingCharacters(in: .whitespaces), now: now)

        let entry = try await signedIn(as: claims.subject, on: CalendarDate(now))
        guard let entry, entry.staff.isActive(on: CalendarDate(now)) else {
            throw Problem.forbidden("No active staff member signs in as this token's subject.")
        }
        let profile = entry.staff.profile
        if let district = claims.district, district != profile.districtID {
            throw Problem.forbidden("The token's district is not the staff member's district.")
        } else if claims.district == nil, !verifier.districtClaim.isEmpty {
            throw Problem.unauthorized("The token has no district claim (\(verifier.districtClaim.joined(separator: "."))).")
        }
        guard claims.roles.contains(profile.role.rawValue) else {
            throw Problem.forbidden("The identity provider does not grant this staff member's role \(profile.role.rawValue).")
        }
        let covering = Set(entry.grants.filter { $0.isActive(at: now) }.map(\.grant.absentID))
        return Principal(
            staffID: profile.id,
            subject: claims.subject,
            role: profile.role,
            districtID: profile.districtID,
            organisationID: profile.organisationID,
            teamID: profile.teamID,
            covering: covering,
            signIn: entry
        )
    }

    /// The active staff record signing in as `subject` and the grants they hold, remembered
    /// or looked up (two queries).
    private func signedIn(as subject: String, on today: CalendarDate) async throws -> SignIns.Entry? {
        let (remembered, generation) = signIns.entry(for: subject)
        if let remembered { return remembered }
        // One record at most has no deactivation recorded; a deactivated one still signs in
        // through its last working day, which is checked on every request.
        let matches = try await directory.list(
            .staffMember,
            as: StaffMember.Record.self,
            where: [[.field(["profile", "subject"], equals: subject)]],
            limit: 100
        ).map(\.state)
        guard
            let staff = matches.first(where: { $0.active && $0.isActive(on: today) })
                ?? matches.first(where: { $0.isActive(on: today) })
        else { return nil }
        var grants: [Substitution.Record] = []
        if [.caseWorker, .teamLead].contains(staff.profile.role) {
            grants = try await directory.list(
                .substitution,
                as: Substitution.Record.self,
                districtID: staff.profile.districtID,
                where: [[.field(["grant", "substitute_id"], equals: staff.profile.id.uuidString)]],
                limit: 1000
            ).map(\.state)
        }
        let entry = SignIns.Entry(staff: staff, grants: grants)
        // Which of several records signs in can change with the date: remember only a sole one.
        if matches.count == 1 { signIns.remember(entry, for: subject, readAt: generation) }
        return entry
    }
}
