# S3 emulator (s3rver) on a free loopback port, data in a temporary folder. Tests create their own buckets.
s3_port=$(free_port)
s3_dir=$(mktemp -d -t cairn-s3rver-XXXXXX)
"$npm_tools/node_modules/.bin/s3rver" -d "$s3_dir" -a 127.0.0.1 -p "$s3_port" --silent --no-vhost-buckets \
    > "$results/s3rver.log" 2>&1 &
s3_pid=$!
on_exit "kill $s3_pid 2>/dev/null; wait $s3_pid 2>/dev/null; rm -rf '$s3_dir'"
if wait_for_port "$s3_port" 30; then
    export CAIRN_TEST_S3_ENDPOINT="http://127.0.0.1:$s3_port" CAIRN_TEST_S3_ACCESS_KEY=S3RVER CAIRN_TEST_S3_SECRET_KEY=S3RVER
else
    echo "s3rver did not start; see $results/s3rver.log"
    false
fi
