{#- Spark only (dispatched as spark__load_csv_rows; DuckDB never calls it). dbt-spark 1.11's own
    version passes cells as bindings that its session cursor pastes in as '<value>' with no
    escaping: a cell with an apostrophe breaks the statement (indicator_notes.csv) and an empty
    cell arrives as the string 'None' instead of NULL. Here each cell is written as a literal:
    NULL for empty, Spark's backslash escapes for quotes (Spark reads 'a''b' as 'a' 'b' = 'ab'). -#}
{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set batch_size = get_batch_size() -%}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(batch_size) -%}
        {%- set sql -%}
        insert into {{ this.render() }} values
        {%- for row in chunk %}
            ({%- for col_name in agate_table.column_names -%}
                {%- set type = column_override.get(col_name, adapter.convert_type(agate_table, loop.index0)) -%}
                cast({{ spark_seed_literal(row[loop.index0]) }} as {{ type }})
                {%- if not loop.last %}, {% endif -%}
            {%- endfor -%}){%- if not loop.last %},{% endif %}
        {%- endfor %}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- if loop.index0 == 0 %}{% do statements.append(sql) %}{% endif -%}
    {%- endfor -%}
    {{ return(statements[0] if statements else '') }}
{% endmacro %}

{% macro spark_seed_literal(value) -%}
    {%- if value is none -%}null
    {%- elif value is sameas true -%}true
    {%- elif value is sameas false -%}false
    {%- elif value is number -%}{{ value }}
    {%- else -%}'{{ value | string | replace('\\', '\\\\') | replace("'", "\\'") }}'
    {%- endif -%}
{%- endmacro %}
