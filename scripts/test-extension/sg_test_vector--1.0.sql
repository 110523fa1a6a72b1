-- complain if this script is sourced in psql rather than through CREATE EXTENSION
\echo Use "CREATE EXTENSION sg_test_vector" to load this file. \quit

CREATE DOMAIN sg_vector AS real[]
  CHECK (VALUE IS NULL OR (array_ndims(VALUE) = 1 AND array_position(VALUE, NULL) IS NULL));

CREATE FUNCTION sg_vector_dims(sg_vector) RETURNS integer
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS 'SELECT cardinality($1)';

CREATE FUNCTION sg_vector_l2(sg_vector, sg_vector) RETURNS double precision
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS 'SELECT sqrt(sum((a - b) ^ 2)) FROM unnest($1, $2) AS t(a, b)';
