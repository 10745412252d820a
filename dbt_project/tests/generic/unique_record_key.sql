{#- A raw record key is unique, checked where it can have broken: the keys of the rows loaded
    since the last published refresh (history.refreshes), each against the whole table. Every
    earlier row passed this test in the build that published it, and a reload replaces rows
    with newly loaded ones, so a duplicate always involves a new row; the check then costs what
    the new quarter costs, not what ten years cost. A full refresh (`--full-refresh`) and a
    warehouse never published yet check every row. -#}
{% test unique_record_key(model, column_name) %}
{%- set published = adapter.get_relation(database=model.database, schema='history', identifier='refreshes') if execute else none %}
select {{ column_name }} as unique_field, count(*) as n_records
from {{ model }}
where {{ column_name }} is not null
{%- if published is not none and not flags.FULL_REFRESH %}
    and {{ column_name }} in (
        select {{ column_name }} from {{ model }}
        -- >=: load and publish times are kept to the second
        where _loaded_at >= (select coalesce(max(published_at), cast('1900-01-01' as timestamp)) from {{ published }})
    )
{%- endif %}
group by {{ column_name }}
having count(*) > 1
{% endtest %}
