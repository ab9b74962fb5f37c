import Foundation
import Projections

extension APIHandler {
    /// The object of `kind` with `id` if it exists and `visible` says the caller may see it;
    /// otherwise 404, the same answer in both cases.
    func visible<State: Decodable & Sendable>(
        _ kind: Directory.Kind,
        id: String,
        as type: State.Type,
        _ visible: (State) -> Bool
    ) async throws -> Directory.Entry<State> {
        guard let entry = try await directory.find(kind, id: id, as: type), visible(entry.state) else {
            throw Problem.notFound("No \(kind.rawValue.replacingOccurrences(of: "_", with: " ")) \(id.lowercased()) here.")
        }
        return entry
    }

    /// The object of `kind` with `id` that a request body refers to.
    ///
    /// - Throws: 422 pointing at `pointer` unless it exists, is active (per `isActive`) and
    ///   belongs to `districtID`.
    func referenced<State: Decodable & Sendable>(
        _ kind: Directory.Kind,
        id: String,
        as type: State.Type,
        districtID: String?,
        at pointer: String,
        isActive: (State) -> Bool
    ) async throws -> Directory.Entry<State> {
        guard let entry = try await directory.find(kind, id: id, as: type),
            districtID.map({ $0 == entry.districtID }) != false, isActive(entry.state)
        else {
            let name = kind.rawValue.replacingOccurrences(of: "_", with: " ")
            throw Problem.unprocessable(
                "\(pointer) names no active \(name) of this district.",
                errors: [.init(pointer: pointer, detail: "no active \(name) of this district")]
            )
        }
        return entry
    }
}
