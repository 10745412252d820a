-- 报送情况 / One row per reporting unit × record source × quarter: status on_time, late
-- (days_late), missing, resubmitted, pending (deadline not yet passed) or initial_load
-- (first seen in the warehouse's first load, receipt time unknown). See int_submissions__quarterly.
select * from {{ ref('int_submissions__quarterly') }}
