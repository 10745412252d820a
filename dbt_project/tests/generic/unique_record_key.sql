{#- A raw record's natural key is unique. `columns`: the key as the input contract declares it
    (`Source.key_columns` in pipelines/lib/contracts.py; tests/test_contract_keys.py keeps the two
    equal). Checked where it can have broken: the keys of the rows loaded since the last
    published refresh (history.refreshes), each against the whole table. Every earlier row
    passed this test in the build that published it, and a reload replaces rows with newly
    loaded ones, so a duplicate always involves a new row; the check then costs what the new
    quarter costs, not what ten years cost. A full refresh (`--full-refresh`) and a warehouse
    never published yet check every row. Rows with a null key column are not keys (not_null
    tests and the loader catch those). -#}
{% test unique_record_key(model, columns) %}
{%- set published = adapter.get_relation(database=model.database, schema='history', identifier='refreshes') if execute else none %}
{%- set key = columns | join(', ') %}
with keyed as (
    select {{ key }}, _loaded_at
    from {{ model }}
    where {% for c in columns %}{{ c }} is not null{{ ' and ' if not loop.last }}{% endfor %}
)
{%- if published is not none and not flags.FULL_REFRESH %},
new_keys as (
    select distinct {{ key }}
    from keyed
    -- >=: load and publish times are kept to the second
    where _loaded_at >= (select coalesce(max(published_at), cast('1900-01-01' as timestamp)) from {{ published }})
)
select {% for c in columns %}k.{{ c }}, {% endfor %}count(*) as n_records
from keyed as k
inner join new_keys as n on {% for c in columns %}k.{{ c }} = n.{{ c }}{{ ' and ' if not loop.last }}{% endfor %}
group by {% for c in columns %}k.{{ c }}{{ ', ' if not loop.last }}{% endfor %}
{%- else %}
select {{ key }}, count(*) as n_records
from keyed
group by {{ key }}
{%- endif %}
having count(*) > 1
{% endtest %}
