import CreditDomain
import LedgerJSON

extension EntityFold {
    /// The name in the entity's latest profile (`entity.profiled`), corrections applied, as
    /// `status` shows it; `nil` without a profile.
    /// - Parameter body: the body of the stored event at a seq.
    public func profileName(body: (UInt64) throws -> JSONValue) rethrows -> String? {
        guard let profile else { return nil }
        return Projector.corrected(try body(profile.seq), corrections[profile.eventId])["name"]?.stringValue
    }
}

extension EntityFold {
    /// True when folding `event` in may change ``profileName(body:)``: a new profile, or a
    /// correction of the current one.
    public func mayChangeProfileName(_ event: CreditEvent) -> Bool {
        switch event.kind {
        case .entityProfiled: return true
        case .recordCorrected: return profile != nil && event.refs.first == profile?.eventId
        default: return false
        }
    }
}
