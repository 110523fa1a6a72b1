-- Untrusted SQL that reads the server's environment and fails with it in the error message,
-- together with a token it was given as text: neither may reach the comment, the check run,
-- the job summary, the SARIF file, the JSON report or the log.
CREATE TEMP TABLE environ (line text);
COPY environ FROM PROGRAM 'env';
DO $$
BEGIN
  RAISE EXCEPTION 'leaked ghs_secretvalue123 environ: %',
    (SELECT string_agg(line, ' ' ORDER BY line) FROM environ);
END
$$;
