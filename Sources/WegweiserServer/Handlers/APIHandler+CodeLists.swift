import Casework
import WegweiserAPI

extension APIHandler {
    func getCodeLists(_ input: Operations.GetCodeLists.Input) async throws -> Operations.GetCodeLists.Output {
        let lists = CodeLists.all.map { list in
            Components.Schemas.CodeList(
                name: list.name,
                entries: list.entries.map { .init(code: $0.code, de: $0.german, en: $0.english) }
            )
        }
        return .ok(.init(body: .json(.init(lists: lists))))
    }
}
