// What every AuditStore backend gets for free: period counts by paging through Query.

#include "cosmic/audit/audit_store.hpp"

namespace cosmic::audit {

PeriodCounts AuditStore::CountPeriod(const ReportPeriod& period) {
    PeriodCounts counts;
    QueryFilter filter;
    filter.from_ms = period.from_ms;
    filter.to_ms = period.to_ms;
    filter.limit = 1000;
    while (true) {
        const QueryPage page = Query(filter);
        for (const StoredRecord& row : page.rows) {
            ++counts.events;
            counts.invalid += row.record.valid ? 0 : 1;
            ++counts.by_event_type[row.record.event_type];
            ++counts.by_action[row.record.action];
        }
        if (!page.next_cursor) break;
        filter.cursor = page.next_cursor;
    }
    return counts;
}

}  // namespace cosmic::audit
