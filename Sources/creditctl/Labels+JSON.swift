import LedgerDocuments
import LedgerJSON

extension Labels {
    /// Every table as one JSON object, for the desk's pages (`/api/labels`): one table for the
    /// terminal and the browser.
    static var json: JSONValue {
        func table(_ labels: [String: String]) -> JSONValue {
            .object(labels.sorted { $0.key < $1.key }.map { entry -> (String, JSONValue) in (entry.key, .string(entry.value)) })
        }
        return .object([
            ("kinds", table(kinds)), ("lists", table(lists)), ("channels", table(channels)), ("channelShortNames", table(channelShortNames)), ("severities", table(severities)),
            ("endReasons", table(endReasons)), ("decisions", table(decisions)), ("flags", table(flags)),
            ("commitmentOutcomes", table(commitmentOutcomes)), ("pendingKinds", table(pendingKinds)),
            ("pendingStages", table(pendingStages)), ("entityKinds", table(entityKinds)), ("measures", table(measures)),
            ("procedures", table(procedures)), ("commitmentTypes", table(commitmentTypes)), ("entityTypes", table(entityTypes)),
            ("channelOrder", .array(channelOrder.map { .string($0) })),
        ])
    }
}
