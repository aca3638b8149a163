# Azure Blob emulator (Azurite) on a free loopback port, with its well-known development account.
azure_port=$(free_port)
azure_dir=$(mktemp -d -t cairn-azurite-XXXXXX)
"$npm_tools/node_modules/.bin/azurite-blob" --blobHost 127.0.0.1 --blobPort "$azure_port" --location "$azure_dir" \
    --silent --skipApiVersionCheck --loose --disableTelemetry > "$results/azurite.log" 2>&1 &
azure_pid=$!
on_exit "kill $azure_pid 2>/dev/null; wait $azure_pid 2>/dev/null; rm -rf '$azure_dir'"
if wait_for_port "$azure_port" 30; then
    export CAIRN_TEST_AZURE_ENDPOINT="http://127.0.0.1:$azure_port/devstoreaccount1" CAIRN_TEST_AZURE_ACCOUNT=devstoreaccount1 \
        CAIRN_TEST_AZURE_KEY='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
else
    echo "Azurite did not start; see $results/azurite.log"
    false
fi
