def handler(event, context):
    return {'label': 'ok'}
